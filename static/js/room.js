/* Hearth room client: live messages over a WebSocket, resynced from the server's
 * sequence numbers so nothing is lost or shown twice. No build step, no libraries.
 * The page works without this file; this file makes it live, and makes the
 * conversation its own scrolling region that follows the newest message. */
(function () {
"use strict";

var room = document.getElementById("room");
if (!room || !window.WebSocket) return;

function $(id) { return document.getElementById(id); }
function each(nodes, fn) { Array.prototype.forEach.call(nodes, fn); }

var slug = room.dataset.slug;
var facilitator = room.dataset.facilitator === "true";
var nonce = document.currentScript ? document.currentScript.nonce : "";
var convo = $("conversation");
var list = $("messages");
var newBelow = $("new-below");
var composer = $("composer");
var textarea = composer.querySelector("textarea[name=body]");
var sendButton = $("send");
var statusLine = $("composer-status");
var connection = $("connection");
var announcer = $("announcer");
var alertRegion = $("alert");
var typingLine = $("typing");
var presenceList = $("presence-list");
var roomState = $("room-state");
var adviceDialog = $("advice-dialog");
var deleteDialog = $("delete-dialog");
var helpDialog = $("help-dialog");
var pauseDialog = $("pause-dialog");
var pauseNote = $("pause-note");
var pauseAlerts = $("pause-alerts"); // the room's keepers only
var roomPaused = false;
var intentSelect = composer.querySelector("select[name=intent]");
var warningInput = composer.querySelector("input[name=content_warning]");

var EDIT_WINDOW_MS = 15 * 60 * 1000;
var me = JSON.parse($("me-data").textContent);
var avoided = me.avoided || []; // the reader's own themes (page only)
var lastSeq = 0;            // highest sequence number seen with nothing missing below it
var lastChange = Number(room.dataset.lastChange) || 0;
var ahead = {};             // messages that arrived past a gap, by seq
var gapTimer = null;        // a gap is asked for only if it is still open after a moment:
var GAP_GRACE_MS = 300;     // each server process publishes as its commit ends, so two
                            // messages a moment apart can arrive the other way round
var pending = {};           // client_id -> frame, until the server acknowledges it
var refused = {};           // client_ids the server refused: resent only by "Try again"
var retries = {};           // client_id -> sends our side failed, resent by themselves
var reactionLabels = {};
var quiet = {};             // membership id -> "mute" or "block": their messages fold for me
var folding = null;         // the message whose menu muted its author (for 3 s): focus stays
var intentLabels = {};
var socket = null;
var attempts = 0;
var stopped = false;
var reopened = false;
var syncing = false;
var lastTyping = 0;
var readTimer = null;
var typingTimer = null;
var announceQueue = [];
var announceTimer = null;
var ADVICE = /\b(you should|you shouldn'?t|have you tried|why don'?t you|you need to|you must|you have to|if i were you|try to|just try|my advice|i suggest|you could try)\b/i;

// --- Small helpers ---

// The server's rule (community.selectors.words/touches): a warning touches an avoided
// theme when it names it as whole words.
function words(text) { return " " + text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, " ").trim() + " "; }
function touches(warning) {
  var padded = words(warning);
  return avoided.some(function (name) { return padded.indexOf(words(name)) > -1; });
}

function el(tag, cls, text) {
  var node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

function button(cls, text) {
  var b = el("button", cls, text);
  b.type = "button";
  return b;
}

function link(text, href, cls) {
  var a = el("a", cls, text);
  a.href = href;
  return a;
}

// A short visible word, with the rest of its name for screen readers ("Report Sam's message").
function named(node, hidden) {
  node.appendChild(el("span", "visually-hidden", hidden));
  return node;
}

function newClientId() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  return Date.now().toString(36) + Math.random().toString(36).slice(2);
}

// "today, 21:40", "yesterday, 08:05", "3 March, 10:12": a time a person reads at a glance,
// in their own time zone (their profile's, as on every page; else the browser's).
// The exact moment stays in the <time datetime> attribute.
function timeZone() { // read when used: the page's first messages are formatted early
  var zone = document.documentElement.dataset.tz || undefined;
  try { new Date().toLocaleString(undefined, { timeZone: zone }); } catch (err) { zone = undefined; }
  return zone;
}
// Dates and clocks in the page's language: the browser's own variant of it when it has one
// (en-GB keeps "3 March"), else the page's (a Spanish page in an English browser says "3 de marzo").
function locale() {
  var lang = (document.documentElement.lang || "").toLowerCase();
  var preferred = navigator.languages || [navigator.language];
  for (var i = 0; i < preferred.length; i++) {
    if (preferred[i] && preferred[i].toLowerCase().split("-")[0] === lang.split("-")[0]) return preferred[i];
  }
  return lang || undefined;
}
function formatTime(iso) {
  var d = new Date(iso), zone = timeZone(), lang = locale();
  function day(x) { return x.toLocaleDateString("en-CA", { timeZone: zone }); } // 2026-03-03
  var clock = d.toLocaleTimeString(lang, { hour: "numeric", minute: "2-digit", timeZone: zone });
  var today = day(new Date()).split("-");
  var yesterday = new Date(Date.UTC(+today[0], today[1] - 1, today[2] - 1)).toISOString().slice(0, 10);
  // Translators: when a message was sent; %(time)s is a clock time such as 21:40.
  if (day(d) === today.join("-")) return interpolate(gettext("today, %(time)s"), { time: clock }, true);
  // Translators: when a message was sent; %(time)s is a clock time such as 08:05.
  if (day(d) === yesterday) return interpolate(gettext("yesterday, %(time)s"), { time: clock }, true);
  var options = { day: "numeric", month: "long", timeZone: zone };
  if (day(d).slice(0, 4) !== today[0]) options.year = "numeric";
  // Translators: when a message was sent: %(date)s such as "3 March", %(time)s such as 10:12.
  return interpolate(gettext("%(date)s, %(time)s"), { date: d.toLocaleDateString(lang, options), time: clock }, true);
}

function send(frame) {
  if (socket && socket.readyState === WebSocket.OPEN) {
    socket.send(JSON.stringify(frame));
    return true;
  }
  return false;
}

function setConnection(text) { connection.textContent = text; }

function byClientId(id) { return list.querySelector('[data-client-id="' + CSS.escape(id) + '"]'); }

// Keep the reader's place on `node` (a message, say), focusable by script only.
function hold(node, options) {
  node.setAttribute("tabindex", "-1");
  node.focus(options);
}

function findMessage(id) { return $("m-" + id); }

function editable(created) { return Date.now() - new Date(created).getTime() < EDIT_WINDOW_MS; }

// Own messages get "Edit" in their menu while edits are allowed.
function addEdit(li) {
  var menu = li.querySelector(".msg-menu");
  if (menu && li.classList.contains("msg-own") && editable(li.dataset.created)) {
    menu.insertBefore(button("link-button msg-edit", gettext("Edit")), menu.firstChild);
  }
}

// --- The conversation's scrolling ---

// At the newest message, new ones keep the reader there; scrolled up to read, they
// are not moved, and a button offers what arrived below.
var stick = true;
var unseen = null;          // the first message that arrived below while scrolled up
var unseenCount = 0;

function atBottom() { return convo.scrollHeight - convo.scrollTop - convo.clientHeight < 48; }

function toBottom() {
  convo.scrollTop = convo.scrollHeight;
  stick = true;
  clearUnseen();
}

function gap(node) { return node.getBoundingClientRect().top - convo.getBoundingClientRect().top - 8; }

// Bring `node` wholly into the conversation's view (its top first, when it is taller).
function reveal(node) {
  var view = convo.getBoundingClientRect();
  var box = node.getBoundingClientRect();
  if (box.bottom > view.bottom - 8) convo.scrollTop += Math.min(box.bottom - view.bottom + 8, gap(node));
  else if (box.top < view.top) convo.scrollTop += gap(node);
  stick = atBottom();
}

function noteUnseen(li) {
  unseen = unseen || li;
  unseenCount += 1;
  newBelow.textContent = interpolate(ngettext("%(count)s new message", "%(count)s new messages", unseenCount),
    { count: unseenCount }, true) + " ";
  newBelow.appendChild(el("span", null, "↓")).setAttribute("aria-hidden", "true");
  newBelow.classList.remove("hidden");
}

function clearUnseen() {
  unseen = null;
  unseenCount = 0;
  newBelow.classList.add("hidden");
}

newBelow.addEventListener("click", function () {
  var first = unseen;
  clearUnseen();
  if (!first || !document.contains(first)) { toBottom(); return; }
  // Read on from the first new message; focus goes there, not to a button that hides.
  hold(first, { preventScroll: true });
  convo.scrollTop += gap(first);
});

convo.addEventListener("scroll", function () {
  stick = atBottom();
  if (stick) clearUnseen();
  if (convo.scrollTop < 200) loadEarlier(false);
}, { passive: true });

// The room fills the screen below what is above it when that leaves it enough room;
// otherwise (phones, high zoom) it is as tall as the screen and the page scrolls to it.
function fit(opening) {
  room.style.setProperty("--above", "0px");
  var top = room.getBoundingClientRect().top + window.scrollY;
  // A note from the site above the room (such as "Welcome") stays in view on opening.
  var note = opening && document.querySelector("main > .messages");
  var fits = window.innerHeight - top >= (note ? 400 : 576);
  room.style.setProperty("--above", (fits ? top + 8 : 0) + "px");
  if (!fits && !note && (opening || window.scrollY > top - 48)) {
    window.scrollTo({ top: top, behavior: "instant" });
  }
}

window.addEventListener("resize", function () { fit(false); });
// The conversation grows or shrinks (the screen turns, a banner above it): what was at
// the bottom stays there.
if (window.ResizeObserver) new ResizeObserver(function () { if (stick) toBottom(); }).observe(convo);

// --- Rendering ---

// A message's controls: the reactions given, one "React" that shows them all, and a
// menu for the rest (report, worry, review, edit, delete). The server draws the same.
function renderFoot(li, m, own) {
  var who = { name: m.author.name };
  var foot = el("div", "msg-foot");
  var form = el("form", "reactions");
  form.method = "post";
  form.action = "/groups/" + slug + "/messages/" + m.id + "/react/";
  var row = el("div", "reaction-row");
  row.setAttribute("role", "group");
  // Translators: names the row of reactions under %(name)s's message, for screen readers.
  row.setAttribute("aria-label", interpolate(gettext("Respond to %(name)s"), who, true));
  Object.keys(reactionLabels).forEach(function (key) {
    var b = el("button", "reaction");
    b.type = "submit";
    b.name = "reaction";
    b.value = key;
    b.dataset.reaction = key;
    b.setAttribute("aria-pressed", m.mine && m.mine.indexOf(key) >= 0 ? "true" : "false");
    b.disabled = !me.can_post;
    b.appendChild(el("span", "reaction-label", reactionLabels[key]));
    b.appendChild(el("span", "count"));
    row.appendChild(b);
  });
  // Translators: a button's visible word; screen readers go on with " to your message" or " to Sam's message".
  var more = named(button("reaction-more", gettext("React")),
    // Translators: read after "React" by screen readers only (note the leading space).
    own ? gettext(" to your message") : interpolate(gettext(" to %(name)s's message"), who, true));
  more.setAttribute("aria-expanded", "false");
  more.disabled = !me.can_post;
  row.appendChild(more);
  form.appendChild(row);
  foot.appendChild(form);

  var tools = el("div", "msg-tools");
  var toggle = named(button("menu-button"), own ? gettext("More options for your message")
    : interpolate(gettext("More options for %(name)s's message"), who, true));
  toggle.insertBefore(el("span", null, "⋯"), toggle.firstChild).setAttribute("aria-hidden", "true");
  toggle.setAttribute("aria-haspopup", "menu");
  toggle.setAttribute("aria-expanded", "false");
  toggle.setAttribute("aria-controls", "menu-" + m.id);
  var menu = el("div", "msg-menu");
  menu.id = "menu-" + m.id;
  if (!own) {
    // Translators: a link's visible word; screen readers go on with " Sam's message".
    menu.appendChild(named(link(pgettext("a message", "Report"), "/moderation/report/message/" + m.id + "/"), nameMessage(m)));
    menu.appendChild(link(interpolate(gettext("I'm worried about %(name)s"), who, true), "/moderation/worry/" + m.id + "/"));
    var bounds = menu.appendChild(el("form", "boundary-form"));
    bounds.method = "post";
    bounds.action = "/groups/" + slug + "/members/" + m.author.id + "/boundary/";
    [["mute", gettext("Mute %(name)s")], ["block", gettext("Block %(name)s")]].forEach(function (k) {
      var b = bounds.appendChild(button("link-button", interpolate(k[1], who, true)));
      b.type = "submit";
      b.name = "kind";
      b.value = k[0];
    });
  }
  if (facilitator) menu.appendChild(reviewLink(m));
  if (own) {
    var actions = el("div", "own-actions");
    actions.appendChild(button("link-button msg-delete", gettext("Delete my message")));
    menu.appendChild(actions);
  }
  tools.appendChild(toggle);
  tools.appendChild(menu);
  foot.appendChild(tools);
  li.appendChild(foot);
  updateCounts(li, m.reactions || {});
}

function reviewLink(m) {
  // Translators: a link's visible word, for facilitators; screen readers go on with " Sam's message".
  return named(link(pgettext("a message", "Review"), "/moderation/messages/" + m.id + "/"), nameMessage(m));
}

// Read after "Report" or "Review" by screen readers only.
function nameMessage(m) {
  // Translators: read after "Report" or "Review" by screen readers only (note the leading space).
  return interpolate(gettext(" %(name)s's message"), { name: m.author.name }, true);
}

// "Removed by a facilitator (agreement: 3)." Where the server had it removed.
// The clause a facilitator names when a message touches safety rather than one of
// the agreement's own clauses: stored in English (moderation/models.py), read translated.
function clauseLabel(clause) {
  return clause === "Safety concern" ? gettext("Safety concern") : clause;
}

function removedBy(clause) {
  clause = clauseLabel(clause);
  // Translators: %(clause)s names the clause of the group's agreement, such as "3" or "Kindness".
  return clause ? interpolate(gettext("Removed by a facilitator (agreement: %(clause)s)."), { clause: clause }, true)
    : gettext("Removed by a facilitator.");
}

// The count shows as a small number and reads as "Heard you, 2"; reactions nobody gave
// wait behind "React".
function updateCounts(li, counts) {
  each(li.querySelectorAll(".reaction"), function (b) {
    var n = counts[b.dataset.reaction];
    b.querySelector(".count").textContent = n ? String(n) : "";
    b.classList.toggle("reaction-none", !n);
    // Translators: a reaction's button read by screen readers: its label ("Heard you"), then how many gave it.
    if (n) b.setAttribute("aria-label", interpolate(ngettext("%(reaction)s, %(count)s", "%(reaction)s, %(count)s", n),
      { reaction: reactionLabels[b.dataset.reaction], count: n }, true));
    else b.removeAttribute("aria-label");
  });
}

function renderBody(li, m) {
  if (m.deleted) {
    li.appendChild(el("p", "msg-placeholder", gettext("Removed by its author.")));
    return;
  }
  var clause = clauseLabel(m.hidden && m.hidden.clause);
  if (m.hidden && !m.html) {
    li.appendChild(el("p", "msg-placeholder", removedBy(clause)));
    return;
  }
  if (m.hidden) {
    li.appendChild(el("p", "msg-placeholder", clause
      // Translators: %(clause)s names the clause of the group's agreement.
      ? interpolate(gettext("Hidden from members (agreement: %(clause)s). Only facilitators see this."), { clause: clause }, true)
      : gettext("Hidden from members. Only facilitators see this.")));
  }
  var body = el("div", "msg-body");
  body.innerHTML = m.html; // rendered and sanitized by the server's one text pipeline
  if (m.content_warning) {
    var details = el("details", "cw");
    // Translators: %(warning)s is the content warning its author wrote, such as "grief".
    var summary = el("summary", null, interpolate(gettext("Content warning: %(warning)s."), { warning: m.content_warning }, true) + " ");
    if (touches(m.content_warning)) summary.appendChild(el("span", "cw-theme", gettext("A theme you keep folded.") + " "));
    summary.appendChild(el("span", "cw-action", gettext("Show the message")));
    details.appendChild(summary);
    details.appendChild(body);
    li.appendChild(details);
  } else {
    li.appendChild(body);
  }
  if (m.resource) {
    var card = el("div", "resource-share card");
    var themes = (m.resource.themes || []).join(", ");
    var inner = card;
    if (themes && touches(themes)) { // folded like a content warning, for this reader only
      inner = el("details", "cw resource-fold");
      // Translators: %(themes)s lists the resource's themes, such as "grief, anxiety".
      var fold = el("summary", null, interpolate(gettext("A shared resource that touches on %(themes)s."), { themes: themes }, true) + " ");
      fold.appendChild(el("span", "cw-theme", gettext("A theme you keep folded.") + " "));
      fold.appendChild(el("span", "cw-action", gettext("Show it")));
      inner.appendChild(fold);
      card.appendChild(inner);
    }
    var title = el("p", "resource-share-title");
    title.appendChild(link(m.resource.title, m.resource.url));
    inner.appendChild(title);
    if (m.resource.summary) inner.appendChild(el("p", null, m.resource.summary));
    if (m.resource.domain) inner.appendChild(el("p", "muted", m.resource.domain));
    // Translators: %(themes)s lists the resource's themes, such as "grief, anxiety".
    if (themes) inner.appendChild(el("p", "resource-themes", interpolate(gettext("Touches on: %(themes)s"), { themes: themes }, true)));
    li.appendChild(card);
  }
}

function renderMessage(m) {
  var li = el("li", "msg");
  li.id = "m-" + m.id;
  li.dataset.id = m.id;
  li.dataset.seq = m.seq === null ? "" : m.seq;
  li.dataset.change = m.change;
  li.dataset.author = m.author.id;
  li.dataset.clientId = m.client_id;
  li.dataset.intent = m.intent || "";
  li.dataset.created = m.created_at;
  var own = m.author.id === me.id;
  if (own) li.classList.add("msg-own");
  if (m.held) li.classList.add("msg-held");
  var meta = el("p", "msg-meta");
  meta.appendChild(el("span", "msg-author", m.author.name));
  if (m.author.role === "facilitator") meta.appendChild(el("span", "badge", pgettext("badge beside a name", "Facilitator")));
  var time = el("time", null, formatTime(m.created_at));
  time.dateTime = m.created_at;
  meta.appendChild(time);
  if (m.intent) meta.appendChild(el("span", "intent intent-" + m.intent, intentLabels[m.intent] || m.intent));
  if (m.edited && !m.deleted) meta.appendChild(el("span", "muted msg-edited", gettext("(edited)")));
  if (m.held) meta.appendChild(el("span", "badge", gettext("Waiting for a facilitator")));
  li.appendChild(meta);
  renderBody(li, m);
  if (!m.deleted && !m.hidden && !m.held) {
    renderFoot(li, m, own);
    addEdit(li);
  } else if (m.hidden && facilitator) {
    li.appendChild(el("p", "msg-links")).appendChild(reviewLink(m));
  }
  fold(li);
  return li;
}

// A muted or blocked person's message, folded (as the server draws it), or unfolded.
function fold(li) {
  var kind = quiet[li.dataset.author], d = li.querySelector("details.quiet");
  if (d) {
    d.removeChild(d.querySelector("summary"));
    while (d.firstChild) li.insertBefore(d.firstChild, d);
    d.remove();
  }
  if (!kind) return;
  d = el("details", "quiet");
  while (li.firstChild) d.appendChild(li.firstChild);
  var summary = el("summary", null, (kind === "block" ? gettext("A message from someone you blocked")
    : gettext("A message from someone you muted")) + " · ");
  summary.appendChild(el("span", "cw-action", gettext("Show")));
  d.insertBefore(summary, d.firstChild);
  li.appendChild(d);
}

// After `at`, past anything that belongs to it (the crisis card that follows it).
function placeAfter(at, li) {
  while (at.nextElementSibling && !at.nextElementSibling.classList.contains("msg")) at = at.nextElementSibling;
  at.after(li);
}

function placeMessage(li, seq) {
  var empty = $("no-messages");
  if (empty) empty.remove();
  if (seq) {
    // Keep order by sequence even when an older message arrives late.
    var items = list.querySelectorAll(".msg");
    for (var i = items.length - 1; i >= 0; i--) {
      var s = Number(items[i].dataset.seq);
      if (s && s < seq) { placeAfter(items[i], li); return; }
    }
    var first = list.querySelector(".msg");
    if (first && Number(first.dataset.seq) > seq) { list.insertBefore(li, first); return; }
  }
  list.appendChild(li);
}

function upsert(m, announce) {
  var existing = findMessage(m.id) || (m.client_id && m.author.id === me.id && byClientId(m.client_id));
  if (existing && m.author.id === me.id && existing.classList.contains("msg-pending")) {
    delete pending[m.client_id];
  }
  if (!m.mine) m.mine = existing ? pressedOf(existing) : [];
  var li = renderMessage(m);
  if (existing) {
    var hadFocus = existing.contains(document.activeElement);
    existing.replaceWith(li);
    if (hadFocus) hold(li);
  } else {
    var was = stick;
    placeMessage(li, m.seq);
    if (m.author.id === me.id) toBottom();
    else if (!was && li.nextElementSibling === null) noteUnseen(li);
    if (announce && m.author.id !== me.id && !quiet[m.author.id]) queueAnnouncement(m);
  }
  if (m.change > lastChange) lastChange = m.change;
  releaseNotices(m.id);
}

function pressedOf(li) {
  var on = [];
  each(li.querySelectorAll('.reaction[aria-pressed="true"]'), function (b) { on.push(b.dataset.reaction); });
  return on;
}

// --- Announcing to screen readers, without flooding ---

// One polite announcement per message from someone else; a burst becomes one summary.
// Typing, presence and my own messages are never announced.
var ANNOUNCE_WAIT_MS = 700;
var BURST = 3;

function announcementFor(m) {
  var who = m.author.name;
  if (m.content_warning) {
    return interpolate(gettext("%(name)s shared a message with a content warning: %(warning)s."),
      { name: who, warning: m.content_warning }, true);
  }
  if (m.resource) return interpolate(gettext("%(name)s shared a resource: %(title)s."), { name: who, title: m.resource.title }, true);
  var tmp = document.createElement("div");
  tmp.innerHTML = m.html; // sanitized by the server; never attached to the page
  var text = tmp.textContent.replace(/\s+/g, " ").trim();
  if (text.length > 200) text = text.slice(0, 200) + "…";
  // Translators: read to screen readers: who wrote, then their message's words.
  if (m.intent === "listening") return interpolate(gettext("%(name)s, asking to be listened to: %(text)s"), { name: who, text: text }, true);
  // Translators: read to screen readers: who wrote, then their message's words.
  return interpolate(gettext("%(name)s: %(text)s"), { name: who, text: text }, true);
}

function queueAnnouncement(m) {
  announceQueue.push({ name: m.author.name, text: announcementFor(m) });
  if (!announceTimer) announceTimer = setTimeout(flushAnnouncements, ANNOUNCE_WAIT_MS);
}

function say(region, text) {
  region.textContent = "";
  region.appendChild(el("p", null, text));
}

function flushAnnouncements() {
  announceTimer = null;
  var batch = announceQueue;
  announceQueue = [];
  var text;
  if (batch.length > BURST) {
    var names = [];
    batch.forEach(function (a) { if (names.indexOf(a.name) < 0) names.push(a.name); });
    var n = batch.length, who = { count: n, first: names[0], second: names[1] };
    text = interpolate(names.length > 2
      ? ngettext("%(count)s new message from %(first)s, %(second)s and others.", "%(count)s new messages from %(first)s, %(second)s and others.", n)
      : names.length > 1
      ? ngettext("%(count)s new message from %(first)s and %(second)s.", "%(count)s new messages from %(first)s and %(second)s.", n)
      : ngettext("%(count)s new message from %(first)s.", "%(count)s new messages from %(first)s.", n), who, true);
  } else {
    text = batch.map(function (a) { return a.text; }).join(" ");
  }
  say(announcer, text);
}

// --- Sequence bookkeeping ---

function accept(m, announce) {
  if (m.seq === null || m.seq <= lastSeq) { upsert(m, false); return; } // held, or known
  if (m.seq === lastSeq + 1) {
    upsert(m, announce);
    lastSeq = m.seq;
    while (ahead[lastSeq + 1]) {
      var next = ahead[lastSeq + 1];
      delete ahead[lastSeq + 1];
      upsert(next, announce);
      lastSeq = next.seq;
    }
    if (gapTimer && !Object.keys(ahead).length) { clearTimeout(gapTimer); gapTimer = null; }
    scheduleRead();
    return;
  }
  ahead[m.seq] = m; // a gap: keep it, and ask for what is missing unless it comes soon
  if (!gapTimer) {
    gapTimer = setTimeout(function () {
      gapTimer = null;
      if (Object.keys(ahead).length) resync();
    }, GAP_GRACE_MS);
  }
}

function resync() {
  if (syncing) return;
  syncing = send({ type: "sync", after_seq: lastSeq, after_change: lastChange });
}

function noteChange(change) {
  if (!change) return;
  if (change > lastChange + 1) resync();
  if (change > lastChange) lastChange = change;
}

function scheduleRead() {
  if (readTimer || document.visibilityState !== "visible") return;
  readTimer = setTimeout(function () {
    readTimer = null;
    send({ type: "read", seq: lastSeq });
  }, 2000);
}

// --- Composer state ---

function applyMe(next) {
  me = next;
  textarea.disabled = !me.can_post;
  sendButton.disabled = !me.can_post || turnHeld;
  each(list.querySelectorAll(".reaction, .reaction-more"), function (b) { b.disabled = !me.can_post; });
  if (me.can_post) { statusLine.textContent = ""; return; }
  if (me.muted_until) {
    // Translators: %(until)s is a moment such as "today, 21:40"; the facilitator's reason may follow.
    statusLine.textContent = interpolate(gettext("You are paused from posting until %(until)s."), { until: formatTime(me.muted_until) }, true) +
      " " + (me.mute_reason || "");
  } else if (me.needs_consent) {
    statusLine.textContent = gettext("The group's agreement changed. Please read it and agree again to post.");
  } else {
    statusLine.textContent = gettext("Posting is paused in this room right now.");
  }
}

function applyRoom(state) {
  var parts = [];
  if (state.archived) parts.push(gettext("This group has closed; its conversation is read-only."));
  else if (state.paused) parts.push(gettext("The room is paused for a moment.") + (state.pause_message ? " " + state.pause_message : ""));
  if (state.slow_mode && !state.archived) {
    parts.push(interpolate(ngettext("Slow mode is on: one message every %(count)s second, so everyone can keep up.",
      "Slow mode is on: one message every %(count)s seconds, so everyone can keep up.", state.slow_mode), { count: state.slow_mode }, true));
  }
  roomState.textContent = parts.join(" ");
  roomState.classList.toggle("hidden", !parts.length);
  var breathe = $("breathe");
  if (breathe) breathe.classList.toggle("hidden", !state.paused || !!state.archived);
  roomPaused = !!state.paused;
  if (pauseAlerts) each(pauseAlerts.querySelectorAll(".pause-room"), function (b) { b.classList.toggle("hidden", roomPaused); });
}

// --- "I need a pause": the member's private signal, and what the keepers see of it ---

// For the room's keepers: who asked (by their name here), their words if any, and
// real buttons to answer them privately or to pause the room.
function showPauseRequest(e) {
  if (!pauseAlerts) return;
  var name = e.member.name, who = { name: name };
  var old = pauseAlerts.querySelector('[data-member="' + Number(e.member.id) + '"]');
  if (old) old.remove();
  var card = el("div", "pause-alert");
  card.dataset.member = e.member.id;
  card.setAttribute("role", "group");
  card.setAttribute("aria-label", interpolate(gettext("Pause request from %(name)s"), who, true));
  card.appendChild(el("p", null, interpolate(gettext("%(name)s asked, privately, for a pause. Only the facilitators see this."), who, true)));
  // Translators: quotation marks around the words a member wrote with their pause request.
  if (e.note) card.appendChild(el("p", "pause-note", interpolate(gettext("“%(note)s”"), { note: e.note }, true)));
  var row = card.appendChild(el("div", "button-row"));
  // Translators: a button's visible words; screen readers go on with " to Sam".
  var answer = row.appendChild(named(button("button button-small pause-answer", gettext("Answer privately")),
    // Translators: read after "Answer privately" by screen readers only (note the leading space).
    interpolate(gettext(" to %(name)s"), who, true)));
  var pause = row.appendChild(button("button button-small button-quiet pause-room", gettext("Pause the room")));
  pause.classList.toggle("hidden", roomPaused || !!e.paused);
  // Translators: a button's visible word; screen readers go on with " Sam's request".
  var done = row.appendChild(named(button("button button-small button-quiet", gettext("Dismiss")),
    // Translators: read after "Dismiss" by screen readers only (note the leading space).
    interpolate(gettext(" %(name)s's request"), who, true)));
  answer.addEventListener("click", function () {
    if (card.querySelector("form")) { card.querySelector("textarea").focus(); return; }
    var form = card.appendChild(el("form"));
    var label = form.appendChild(el("label", null, interpolate(gettext("Your private answer to %(name)s"), who, true)));
    var area = form.appendChild(el("textarea"));
    area.id = label.htmlFor = "pause-answer-" + e.member.id;
    area.rows = 2;
    area.maxLength = 800;
    var buttons = form.appendChild(el("div", "button-row"));
    buttons.appendChild(el("button", "button button-small", interpolate(gettext("Send to %(name)s"), who, true))).type = "submit";
    var cancel = buttons.appendChild(button("button button-small button-quiet", gettext("Cancel")));
    cancel.addEventListener("click", function () { form.remove(); answer.focus(); });
    area.addEventListener("keydown", function (k) { if (k.key === "Escape") { k.preventDefault(); form.remove(); answer.focus(); } });
    form.addEventListener("submit", function (s) {
      s.preventDefault();
      if (!send({ type: "moderation.pause_answer", member: Number(e.member.id), text: area.value })) {
        statusLine.textContent = gettext("Not connected just now. Please try again in a moment.");
      }
    });
    area.focus();
  });
  pause.addEventListener("click", function () {
    if (send({ type: "moderation.pause" })) pause.classList.add("hidden");
    else statusLine.textContent = gettext("Not connected just now. Please try again in a moment.");
  });
  done.addEventListener("click", function () {
    card.remove();
    var next = pauseAlerts.querySelector("button");
    (next || textarea).focus();
  });
  pauseAlerts.appendChild(card);
  card.scrollIntoView({ block: "nearest", behavior: "instant" });
}

function pauseAnswered(memberId) {
  var card = pauseAlerts && pauseAlerts.querySelector('[data-member="' + Number(memberId) + '"]');
  if (!card) return;
  var form = card.querySelector("form");
  if (form) form.remove();
  var answer = card.querySelector(".pause-answer");
  if (answer) answer.remove();
  card.appendChild(el("p", null, gettext("Your answer was sent privately.")));
  var focus = card.querySelector("button");
  if (focus) focus.focus();
}

// --- Sessions (issue 17): static/js/session.js, loaded when the room has one or for its
// keepers (who may start one), gets the session's events in order and this small API.

var sessionListener = null, sessionQueue = [], here = [], turnHeld = false;

function toSession(e) {
  if (sessionListener) return sessionListener(e);
  if (!sessionQueue.length && !e.session && !facilitator) return false;
  if (sessionQueue.push(e) === 1) {
    var css = document.head.appendChild(el("link"));
    css.rel = "stylesheet";
    css.href = room.dataset.sessionCss;
    css.onload = css.onerror = function () { // drawn once styled
      var js = el("script");
      js.nonce = nonce;
      js.src = room.dataset.sessionJs;
      document.head.appendChild(js);
    };
  }
  return false;
}

window.HearthRoom = {
  send: send, keeper: facilitator,
  me: function () { return me; },
  here: function () { return here; },
  say: function (text) { announcer.appendChild(el("p", null, text)); }, // beside messages' news
  // Someone else holds the talking piece: Send waits (Enter still asks the server).
  hold: function (on) { turnHeld = on; sendButton.disabled = !me.can_post || on; },
  listen: function (fn) { sessionListener = fn; sessionQueue.splice(0).forEach(fn); }
};

// --- Events from the server ---

var handlers = {
  hello: function (e) {
    attempts = 0;
    setConnection(gettext("Connected."));
    e.reactions.forEach(function (r) { reactionLabels[r.key] = r.label; });
    e.intents.forEach(function (i) { intentLabels[i.key] = i.label; });
    applyMe(e.me);
    applyRoom(e.room);
    handlers.boundaries(e);
    toSession(e);
    syncing = false;
    resync();
    Object.keys(pending).forEach(function (id) { if (!refused[id]) send(pending[id]); });
  },
  "message.ack": function (e) {
    var li = byClientId(e.client_id);
    delete pending[e.client_id];
    delete refused[e.client_id];
    // A later message got through: an earlier "Not sent" stays on that message only.
    if (notSent && statusLine.textContent === notSent) statusLine.textContent = "";
    if (li && li.classList.contains("msg-pending")) {
      li.classList.remove("msg-pending", "msg-failed");
      li.id = "m-" + e.id;
      li.dataset.id = e.id;
      li.querySelector(".msg-state").textContent = e.held ? gettext("Waiting for a facilitator") : "";
    }
  },
  "message.new": function (e) { accept(e.message, true); },
  "message.updated": function (e) {
    noteChange(e.message.change);
    if (findMessage(e.message.id)) upsert(e.message, false);
  },
  "message.removed": function (e) {
    noteChange(e.change);
    var li = findMessage(e.id);
    if (!li) return;
    // Only the name and time stay: no text, no reactions, no menu.
    var meta = li.querySelector(".msg-meta");
    var hadFocus = li.contains(document.activeElement) && document.activeElement !== li;
    while (meta.nextSibling) meta.nextSibling.remove();
    each(meta.querySelectorAll(".msg-edited"), function (n) { n.remove(); });
    meta.after(el("p", "msg-placeholder", e.reason === "author" ? gettext("Removed by its author.") : removedBy(e.clause)));
    if (hadFocus) hold(li);
  },
  "reaction.updated": function (e) {
    noteChange(e.change);
    var li = findMessage(e.id);
    if (li) updateCounts(li, e.reactions), keepFocus(li);
  },
  "reaction.ack": function (e) {
    var li = findMessage(e.id);
    var b = li && li.querySelector('.reaction[data-reaction="' + e.reaction + '"]');
    if (!b) return;
    b.setAttribute("aria-pressed", e.on ? "true" : "false");
    if (e.on) showReactions(li.querySelector(".reaction-more"), false);
    keepFocus(li);
  },
  "sync.batch": function (e) {
    syncing = false;
    e.messages.forEach(function (m) { accept(m, false); });
    e.updates.forEach(function (m) { if (findMessage(m.id)) upsert(m, false); });
    if (e.last_change > lastChange) lastChange = e.last_change;
    if (e.messages.length) scheduleRead();
    if ("session" in e) toSession(e);
  },
  "sync.needed": function () { resync(); }, // this socket fell behind: catch up once
  "sync.reload": function (e) {
    syncing = false;
    setConnection(e.detail + " ");
    connection.appendChild(link(gettext("Reload now"), window.location.pathname));
  },
  typing: function (e) {
    if (e.member.id === me.id) return;
    typingLine.textContent = interpolate(gettext("%(name)s is writing…"), { name: e.member.name }, true);
    clearTimeout(typingTimer);
    typingTimer = setTimeout(function () { typingLine.textContent = ""; }, 4000);
  },
  presence: function (e) {
    // Translators: the reader, in the list of who is here ("you, Sam, Priya").
    var you = pgettext("the reader, in a list of names", "you");
    var names = e.here.map(function (p) { return p.id === me.id ? you : p.name; });
    presenceList.textContent = names.length ? names.join(", ") : you;
    here = e.here;
    if (sessionListener) sessionListener(e);
  },
  boundaries: function (e) {
    quiet = e.boundaries || {};
    each(list.querySelectorAll(".msg"), fold);
    var at = folding && folding.querySelector("summary");
    if (at) at.focus();
    folding = null;
  },
  "room.state": function (e) { applyRoom(e); },
  me: function (e) { applyMe(e.me); },
  notice: function (e) { showNotice(e); },
  "pause.ack": function (e) {
    pauseNote.value = "";
    showNotice({ kind: "pause", title: gettext("The facilitators know"), text: e.detail });
  },
  "pause.requested": function (e) { showPauseRequest(e); },
  "moderation.ack": function (e) {
    if (e.action === "pause_answer") pauseAnswered(e.member);
    if (e.action === "pause") roomPaused = true;
  },
  error: function (e) {
    var id = e.client_id;
    if (id && pending[id] && /^(server_error|unavailable)$/.test(e.code) && (retries[id] = (retries[id] || 0) + 1) < 6) {
      // Our side failed, not the person: send it again, later each time (same id, so once).
      setTimeout(function () { if (pending[id] && !refused[id]) send(pending[id]); }, 500 * Math.pow(2, retries[id] - 1) * (1 + Math.random()));
      return;
    }
    if (id && pending[id]) { markFailed(id, e.detail); return; }
    if (sessionListener && sessionListener(e)) return; // a session frame's, shown there
    statusLine.textContent = e.detail;
  },
  // The room's numbers, now and then: behind them, a broadcast was lost on its way.
  heartbeat: function (e) {
    setTimeout(function () { if (e.last_seq > lastSeq || e.last_change > lastChange) resync(); }, Math.random() * 3000);
  },
  pong: function () {}
};
["session.started", "session.ended", "round.opened", "round.answered", "round.closed", "piece.moved", "session.ack"].forEach(function (type) {
  handlers[type] = toSession;
});

// --- Private notes, and the crisis card ---

// A crisis card names the message it follows ("after_message"). It is sent with that
// message and may arrive first: keep it until the message is shown (or a few
// seconds have passed, so a card is never lost), then show it.
var waitingNotices = {};

function releaseNotices(id) {
  var waiting = waitingNotices[id];
  if (!waiting) return;
  delete waitingNotices[id];
  waiting.forEach(function (e) { showNotice(e, true); });
}

// A note only this person sees, in the conversation where they are looking: the crisis
// card straight after their own message, anything else at the end. Phone numbers call,
// text lines open a text with its words, websites open.
function showNotice(e, released) {
  if (e.declined_message) {
    var declined = findMessage(e.declined_message);
    if (declined && declined.classList.contains("msg-held")) declined.remove();
  }
  var after = e.after_message && findMessage(e.after_message);
  if (e.after_message && !released && !after) {
    (waitingNotices[e.after_message] = waitingNotices[e.after_message] || []).push(e);
    setTimeout(function () { releaseNotices(e.after_message); }, 3000);
    return;
  }
  var crisis = e.kind === "crisis";
  var card = el("li", crisis ? "crisis-card" : "note-card");
  if (e.title) card.appendChild(el("h3", null, e.title));
  card.appendChild(el("p", null, e.text));
  var lines = el("ul", "crisis-card-lines");
  (e.lines || []).forEach(function (line) {
    var item = lines.appendChild(el("li"));
    // The name opens the line's website; the ways call or text.
    item.appendChild(/^https?:\/\//.test(line.website) ? link(line.name, line.website, "crisis-line-name") : el("span", "crisis-line-name", line.name));
    var ways = item.appendChild(el("span", "crisis-ways"));
    (line.links || []).forEach(function (way) {
      ways.appendChild(/^(tel|sms):/.test(way.href) ? link(way.label, way.href, "crisis-way") : el("span", "crisis-way", way.label));
    });
  });
  if (lines.firstChild) card.appendChild(lines);
  if (e.link) card.appendChild(el("p")).appendChild(link(e.link_text || gettext("More"), e.link));
  if (after) placeAfter(after, card);
  else list.appendChild(card);
  reveal(card);
  if (crisis) card.scrollIntoView({ block: "nearest", behavior: "instant" });
  // Heard once, at once: the card itself is not a live region.
  // Translators: read at once to screen readers: the crisis card's title and words (the server's), then this.
  if (crisis) say(alertRegion, interpolate(gettext("%(title)s. %(text)s Ways to reach someone now follow your message."), { title: e.title, text: e.text }, true));
  else say(announcer, (e.title ? e.title + ". " : "") + e.text);
}

// --- Connection with backoff and jitter ---

function connect() {
  if (!attempts) setConnection(gettext("Connecting…"));
  var scheme = location.protocol === "https:" ? "wss://" : "ws://";
  var greeted = false;
  socket = new WebSocket(scheme + location.host + "/ws/groups/" + slug + "/");
  socket.onmessage = function (msg) {
    var event;
    try { event = JSON.parse(msg.data); } catch (err) { return; }
    if (event.type === "hello") { greeted = true; reopened = false; }
    var was = stick;
    var handler = handlers[event.type];
    if (handler) handler(event);
    if (was && stick) toBottom(); // what changed at the bottom stays in view
  };
  socket.onclose = function (e) {
    syncing = false;
    // A session can change under an open room (a password change gives it a new
    // key): open once more with the cookie the browser holds now.
    if (e.code === 4401 && greeted && !reopened) { reopened = true; setTimeout(connect, 200); return; }
    if (e.code === 4401) { stopped = true; setConnection(gettext("Please sign in again to keep talking.")); return; }
    if (e.code === 4403) {
      stopped = true;
      setConnection(gettext("This room is closed to you now. If a facilitator made a decision, your home page explains it."));
      textarea.disabled = sendButton.disabled = true;
      return;
    }
    if (stopped) return;
    attempts += 1;
    // Full jitter, so a room's sockets dropped together come back spread out; the
    // server's hint (a rebalance's "retry after 1", a machine reason: never translated) is the least wait.
    var hint = /retry after (\d+)/.exec(e.reason || "");
    var delay = (hint ? Number(hint[1]) * 1000 : 0) + Math.random() * Math.min(30000, 1000 * Math.pow(2, attempts));
    setConnection(gettext("Reconnecting… your messages are kept and will be sent."));
    setTimeout(connect, delay);
  };
}

// --- Sending ---

// The composer's last "Not sent": a later message that gets through clears it there.
var notSent = "";

function markFailed(clientId, detail) {
  var li = byClientId(clientId);
  refused[clientId] = true;
  // Translators: %(detail)s is the server's reason, a sentence such as "Please wait a moment between messages."
  notSent = interpolate(gettext("Not sent: %(detail)s"), { detail: detail }, true);
  statusLine.textContent = notSent;
  if (!li) return;
  li.classList.add("msg-failed");
  var state = li.querySelector(".msg-state");
  state.textContent = notSent + " ";
  var retry = state.appendChild(button("link-button msg-retry", gettext("Try again")));
  retry.dataset.clientId = clientId;
}

function showPending(frame) {
  var li = el("li", "msg msg-own msg-pending");
  li.dataset.clientId = frame.client_id;
  var meta = li.appendChild(el("p", "msg-meta"));
  meta.appendChild(el("span", "msg-author", me.name));
  meta.appendChild(el("span", "msg-state", gettext("Sending…")));
  var body = li.appendChild(el("div", "msg-body"));
  frame.body.split("\n").forEach(function (line, i) {
    if (i) body.appendChild(el("br"));
    body.appendChild(document.createTextNode(line));
  });
  placeMessage(li, 0);
  toBottom(); // sending always brings your own words into view
}

function listeningNearby() {
  var items = list.querySelectorAll(".msg");
  for (var i = items.length - 1; i >= 0 && i >= items.length - 6; i--) {
    if (items[i].dataset.intent === "listening" && Number(items[i].dataset.author) !== me.id) return true;
  }
  return false;
}

function submit(force) {
  var body = textarea.value;
  if (!body.trim() || !me.can_post) return;
  if (!force && ADVICE.test(body) && listeningNearby()) {
    openDialog(adviceDialog, textarea);
    return;
  }
  var frame = {
    type: "message.send",
    client_id: newClientId(),
    body: body,
    intent: intentSelect ? intentSelect.value : "",
    content_warning: warningInput ? warningInput.value : ""
  };
  pending[frame.client_id] = frame;
  showPending(frame);
  textarea.value = "";
  if (warningInput) warningInput.value = "";
  if (intentSelect) intentSelect.value = "";
  if (!send(frame)) setConnection(gettext("Offline for a moment. Your message will be sent when we reconnect."));
  textarea.focus();
}

composer.addEventListener("submit", function (e) {
  e.preventDefault();
  submit(false);
});

textarea.addEventListener("keydown", function (e) {
  if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    submit(false);
  }
});

textarea.addEventListener("input", function () {
  var now = Date.now();
  if (now - lastTyping > 3000 && textarea.value.trim()) {
    lastTyping = now;
    send({ type: "typing" });
  }
});

// --- Dialogs: modal, Escape closes, focus stays inside and returns where it was ---

function focusables(dialog) {
  return Array.prototype.filter.call(
    dialog.querySelectorAll("button, [href], input, select, textarea, [tabindex]:not([tabindex='-1'])"),
    function (n) { return !n.disabled && n.offsetParent !== null; }
  );
}

function openDialog(dialog, returnTo, onConfirm) {
  dialog.returnTo = returnTo || document.activeElement;
  dialog.onConfirm = onConfirm || null;
  dialog.returnValue = "";
  dialog.showModal();
  var first = dialog.querySelector("[autofocus]") || focusables(dialog)[0];
  if (first) first.focus();
}

function closeDialog(dialog, value) {
  dialog.close(value || "");
}

[adviceDialog, deleteDialog, helpDialog, pauseDialog].forEach(function (dialog) {
  // Tab and Shift+Tab cycle within the dialog.
  dialog.addEventListener("keydown", function (e) {
    if (e.key !== "Tab") return;
    var items = focusables(dialog);
    if (!items.length) return;
    var first = items[0];
    var last = items[items.length - 1];
    var at = document.activeElement;
    if (e.shiftKey && (at === first || !dialog.contains(at) || at.tabIndex < 0)) { e.preventDefault(); last.focus(); }
    else if (!e.shiftKey && at === last) { e.preventDefault(); first.focus(); }
  });
  // Escape fires "cancel", then "close"; every way out ends here.
  dialog.addEventListener("close", function () {
    // The close event arrives a moment after the dialog closes. If the person has
    // opened it again meanwhile (Escape, then Enter at once), this event belongs to
    // the closing that is over: leave the new opening's choices alone.
    if (dialog.open) return;
    var confirm = dialog.returnValue === "confirm" && dialog.onConfirm;
    var back = dialog.returnTo;
    dialog.returnTo = null;
    dialog.onConfirm = null;
    if (confirm) back = confirm() || back;
    if (back && document.contains(back)) back.focus();
  });
});

function on(id, fn) { $(id).addEventListener("click", fn); }
on("advice-edit", function () { closeDialog(adviceDialog); });
on("advice-send", function () {
  adviceDialog.onConfirm = function () { submit(true); return textarea; };
  closeDialog(adviceDialog, "confirm");
});
on("delete-keep", function () { closeDialog(deleteDialog); });
on("delete-confirm", function () { closeDialog(deleteDialog, "confirm"); });
// "Need help now?": the crisis lines, at any moment, without leaving the room.
on("help-now", function (e) { openDialog(helpDialog, e.currentTarget); });
on("help-close", function () { closeDialog(helpDialog); });
// "I need a pause": told to the facilitators only.
on("pause-ask", function (e) { openDialog(pauseDialog, e.currentTarget); });
on("pause-cancel", function () { closeDialog(pauseDialog); });
on("pause-send", function () {
  if (!send({ type: "pause.request", note: pauseNote.value })) {
    statusLine.textContent = gettext("Not connected just now. Please try again in a moment.");
  }
  closeDialog(pauseDialog);
});

// --- A message's menu and its "React": real buttons, by keyboard too ---

var openMenu = null;

function menuItems(menu) {
  return Array.prototype.filter.call(menu.querySelectorAll("a, button"), function (n) { return !n.disabled; });
}

function showMenu(toggle) {
  var menu = $(toggle.getAttribute("aria-controls"));
  closeMenu();
  menu.setAttribute("role", "menu");
  menu.setAttribute("aria-label", toggle.lastChild.textContent);
  var items = menuItems(menu);
  items.forEach(function (item) { item.setAttribute("role", "menuitem"); item.tabIndex = -1; });
  menu.classList.add("open");
  toggle.setAttribute("aria-expanded", "true");
  openMenu = { toggle: toggle, menu: menu };
  reveal(menu);
  items[0].focus();
}

function closeMenu(refocus) {
  if (!openMenu) return;
  openMenu.menu.classList.remove("open");
  openMenu.toggle.setAttribute("aria-expanded", "false");
  if (refocus) openMenu.toggle.focus();
  openMenu = null;
}

// A reaction taken back by its last giver goes behind "React": so does focus.
function keepFocus(li) {
  var at = document.activeElement;
  if (li.contains(at) && !at.offsetParent) li.querySelector(".reaction-more").focus();
}

function showReactions(more, open) {
  more.parentNode.classList.toggle("open", open);
  more.setAttribute("aria-expanded", String(open));
}

list.addEventListener("keydown", function (e) {
  if (!openMenu || !openMenu.menu.contains(e.target)) return;
  var items = menuItems(openMenu.menu);
  var at = items.indexOf(e.target);
  var next = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: items.length - 1 }[e.key];
  if (next !== undefined) {
    e.preventDefault();
    items[(next + items.length) % items.length].focus();
  } else if (e.key === "Escape") {
    e.preventDefault();
    closeMenu(true);
  } else if (e.key === "Tab") {
    closeMenu(true); // and Tab moves on from the menu's button
  }
});

document.addEventListener("click", function (e) {
  if (openMenu && !openMenu.menu.parentNode.contains(e.target)) closeMenu();
});

// Reactions, menus, retries, edits and deletions, by delegation.
list.addEventListener("click", function (e) {
  var target = e.target.closest("button");
  if (!target) return;
  var li = target.closest(".msg");
  var cls = target.classList;
  if (cls.contains("reaction")) {
    e.preventDefault();
    send({ type: "reaction.toggle", id: Number(li.dataset.id), reaction: target.dataset.reaction });
  } else if (cls.contains("reaction-more")) {
    var opening = target.getAttribute("aria-expanded") !== "true";
    showReactions(target, opening);
    if (opening) target.parentNode.querySelector(".reaction").focus();
  } else if (cls.contains("menu-button")) {
    if (openMenu && openMenu.toggle === target) closeMenu(true);
    else showMenu(target);
  } else if (cls.contains("msg-retry")) {
    var frame = pending[target.dataset.clientId];
    if (frame) {
      delete refused[target.dataset.clientId];
      delete retries[target.dataset.clientId];
      li.classList.remove("msg-failed");
      li.querySelector(".msg-state").textContent = gettext("Sending…");
      send(frame);
    }
  } else if (cls.contains("msg-delete") && li.dataset.id) {
    e.preventDefault();
    var back = li.querySelector(".menu-button");
    closeMenu();
    openDialog(deleteDialog, back, function () {
      if (!send({ type: "message.delete", id: Number(li.dataset.id) })) {
        statusLine.textContent = gettext("Not deleted: we're offline for a moment. Please try again soon.");
        return back;
      }
      // The message becomes a placeholder; keep the reader's place on it.
      li.setAttribute("tabindex", "-1");
      return li;
    });
  } else if (cls.contains("msg-edit")) {
    closeMenu();
    startEdit(li);
  }
});

// A content warning's control says what it will do next.
list.addEventListener("toggle", function (e) {
  var action = e.target.classList && e.target.classList.contains("cw") && e.target.querySelector(".cw-action");
  if (action) action.textContent = e.target.open ? gettext("Hide the message") : gettext("Show the message");
}, true);

// The server-rendered forms: handled above when live, posted when not.
list.addEventListener("submit", function (e) {
  var form = e.target;
  if (form.classList.contains("boundary-form")) {
    // Mute or block without leaving the room: the socket then folds their messages.
    e.preventDefault();
    closeMenu(true);
    folding = form.closest(".msg");
    setTimeout(function () { folding = null; }, 3000);
    fetch(form.action, {
      method: "POST",
      headers: { Accept: "application/json", "X-CSRFToken": composer.querySelector("[name=csrfmiddlewaretoken]").value },
      body: new FormData(form, e.submitter)
    }).then(function (r) { return r.json(); }).then(function (d) { statusLine.textContent = d.detail; }, function () {
      statusLine.textContent = gettext("That didn't go through. Please try again in a moment.");
    });
  } else if (socket && socket.readyState === WebSocket.OPEN) e.preventDefault();
});

function startEdit(li) {
  var body = li.querySelector(".msg-body");
  if (!body || li.querySelector(".msg-edit-form")) return;
  var form = el("form", "msg-edit-form");
  var label = form.appendChild(el("label", null, gettext("Edit your message")));
  var area = form.appendChild(el("textarea"));
  area.id = label.htmlFor = "edit-" + li.dataset.id;
  area.rows = 3;
  area.value = body.innerText;
  form.appendChild(el("button", "button button-small", gettext("Save"))).type = "submit";
  var cancel = form.appendChild(button("button button-small button-quiet", gettext("Cancel")));
  body.after(form);
  area.focus();
  reveal(form);
  function done() {
    form.remove();
    var back = li.querySelector(".menu-button");
    if (back) back.focus();
    else hold(li);
  }
  cancel.addEventListener("click", done);
  area.addEventListener("keydown", function (e) {
    if (e.key === "Escape") { e.preventDefault(); done(); }
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    send({ type: "message.edit", id: Number(li.dataset.id), body: area.value });
    done();
  });
}

// Earlier messages by keyset pagination on the sequence number: when the reader
// scrolls to the top, or asks. What they were reading stays where it was.
var earlier = $("earlier-link");
var loading = false;

function loadEarlier(focusTop) {
  if (loading || !earlier) return;
  loading = true;
  fetch(room.dataset.historyUrl + "?before=" + earlier.dataset.before, { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (data) {
      var fromEnd = convo.scrollHeight - convo.scrollTop;
      var first = list.firstElementChild;
      data.messages.forEach(function (m) {
        if (!findMessage(m.id)) list.insertBefore(renderMessage(m), first);
      });
      if (data.has_more && data.messages.length) {
        earlier.dataset.before = data.messages[0].seq;
      } else {
        earlier.parentNode.remove();
        earlier = null;
      }
      convo.scrollTop = convo.scrollHeight - fromEnd;
      var top = list.querySelector(".msg");
      if (focusTop && top) hold(top);
      loading = false;
    }, function () { loading = false; });
}

if (earlier) {
  earlier.addEventListener("click", function (e) {
    e.preventDefault();
    loadEarlier(true);
  });
}

document.addEventListener("visibilitychange", function () {
  if (document.visibilityState === "visible") scheduleRead();
});

// --- Opening ---

// Seed state from the server-rendered page.
each(list.querySelectorAll(".msg"), function (li) {
  var stamp = li.querySelector("time");
  if (stamp) stamp.textContent = formatTime(stamp.dateTime);
  var seq = Number(li.dataset.seq);
  if (seq > lastSeq) lastSeq = seq;
  each(li.querySelectorAll(".reaction"), function (b) {
    reactionLabels[b.dataset.reaction] = b.querySelector(".reaction-label").textContent;
  });
  addEdit(li);
});
if (!list.querySelector(".msg")) lastSeq = Number(room.dataset.lastSeq) || 0;

// Open at the newest message, or where the unread ones begin.
fit(true);
var unread = $("unread");
if (unread) {
  convo.scrollTop += gap(unread);
  stick = atBottom();
} else {
  toBottom();
}

connect();
})();
