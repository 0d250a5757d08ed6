"""The one write path for groups: every change with rules goes through here."""
