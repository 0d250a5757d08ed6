"""Moderation pages, one module per page, and one small view per action.

Each view that moderates is let in by an `access_*` helper of
moderation/permissions.py (itself, or through posting.form_of), so a missing
thing and a forbidden one answer alike; then it parses a form, calls one action,
and renders or redirects, a refusal shown with community/refusals.py. "My record"
is every person's own, and shows only decisions about them.

    queue      the moderation queue, and resolving a report from it
    message    one message: hiding, restoring, deciding a held one
    member     one member: nudge, mute, unmute, remove, ban, the account look-up
    room       a room's controls: settings, pause and resume, word filters
    site       organizers' site safety: word filters, crisis phrases, suspensions
    log        the moderation log, and its CSV download
    record     a member's own record, and appealing a decision
    appeals    organizers deciding appeals
    reports    what members raise: reports, a worry, "I need a pause"
    posting    `form_of`: what each small view behind a page's form shares
"""
