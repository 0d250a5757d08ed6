/* Hearth room client: live messages over a WebSocket, resynced from the server's
 * sequence numbers so nothing is lost or shown twice. No build step, no libraries.
 * The page works without this file; this file makes it live. */
(function () {
  "use strict";

  var room = document.getElementById("room");
  if (!room || !window.WebSocket) return;

  var slug = room.dataset.slug;
  var list = document.getElementById("messages");
  var composer = document.getElementById("composer");
  var textarea = composer.querySelector("textarea[name=body]");
  var sendButton = document.getElementById("send");
  var statusLine = document.getElementById("composer-status");
  var connection = document.getElementById("connection");
  var announcer = document.getElementById("announcer");
  var typingLine = document.getElementById("typing");
  var presenceList = document.getElementById("presence-list");
  var roomState = document.getElementById("room-state");
  var adviceDialog = document.getElementById("advice-dialog");
  var deleteDialog = document.getElementById("delete-dialog");
  var csrf = composer.querySelector("input[name=csrfmiddlewaretoken]").value;
  var intentSelect = composer.querySelector("select[name=intent]");
  var warningInput = composer.querySelector("input[name=content_warning]");

  var EDIT_WINDOW_MS = 15 * 60 * 1000;
  var me = JSON.parse(document.getElementById("me-data").textContent);
  var lastSeq = 0;            // highest sequence number seen with nothing missing below it
  var lastChange = Number(room.dataset.lastChange) || 0;
  var ahead = {};             // messages that arrived past a gap, by seq
  var gapTimer = null;        // a gap is asked for only if it is still open after a moment:
  var GAP_GRACE_MS = 300;     // each server process publishes as its commit ends, so two
                              // messages a moment apart can arrive the other way round
  var pending = {};           // client_id -> frame, until the server acknowledges it
  var refused = {};           // client_ids the server refused: resent only by "Try again"
  var reactionLabels = {};
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

  // Seed state from the server-rendered page.
  Array.prototype.forEach.call(list.querySelectorAll(".msg"), function (li) {
    var stamp = li.querySelector("time");
    if (stamp) stamp.textContent = formatTime(stamp.dateTime);
    var seq = Number(li.dataset.seq);
    if (seq && seq > lastSeq) lastSeq = seq;
    Array.prototype.forEach.call(li.querySelectorAll(".reaction"), function (b) {
      reactionLabels[b.dataset.reaction] = b.querySelector(".reaction-label").textContent;
    });
    var own = li.querySelector(".own-actions");
    if (own && Date.now() - new Date(li.dataset.created).getTime() < EDIT_WINDOW_MS) {
      var edit = document.createElement("button");
      edit.type = "button";
      edit.className = "link-button msg-edit";
      edit.textContent = "Edit";
      own.insertBefore(edit, own.firstChild);
    }
  });
  if (!list.querySelector(".msg")) lastSeq = Number(room.dataset.lastSeq) || 0;

  // --- Small helpers -------------------------------------------------------------

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
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
  function formatTime(iso) {
    var d = new Date(iso), zone = timeZone();
    function day(x) { return x.toLocaleDateString("en-CA", { timeZone: zone }); } // 2026-03-03
    var clock = d.toLocaleTimeString(undefined, { hour: "numeric", minute: "2-digit", timeZone: zone });
    var today = day(new Date()).split("-");
    var yesterday = new Date(Date.UTC(+today[0], today[1] - 1, today[2] - 1)).toISOString().slice(0, 10);
    if (day(d) === today.join("-")) return "today, " + clock;
    if (day(d) === yesterday) return "yesterday, " + clock;
    var options = { day: "numeric", month: "long", timeZone: zone };
    if (day(d).slice(0, 4) !== today[0]) options.year = "numeric";
    return d.toLocaleDateString(undefined, options) + ", " + clock;
  }

  function timeElement(iso) {
    var time = el("time", null, formatTime(iso));
    time.dateTime = iso;
    return time;
  }

  function send(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }

  function setConnection(text) { connection.textContent = text; }

  // --- Rendering -------------------------------------------------------------------

  function findMessage(id) { return document.getElementById("m-" + id); }

  function renderReactions(li, m) {
    var form = el("form", "reactions");
    form.method = "post";
    form.action = "/groups/" + slug + "/messages/" + m.id + "/react/";
    var row = el("div", "reaction-row");
    row.setAttribute("role", "group");
    row.setAttribute("aria-label", "Respond to " + m.author.name);
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
    form.appendChild(row);
    li.appendChild(form);
    updateCounts(li, m.reactions || {});
  }

  // The count shows as a small number and reads as "Heard you, 2".
  function updateCounts(li, counts) {
    Array.prototype.forEach.call(li.querySelectorAll(".reaction"), function (b) {
      var n = counts[b.dataset.reaction];
      b.querySelector(".count").textContent = n ? String(n) : "";
      if (n) b.setAttribute("aria-label", reactionLabels[b.dataset.reaction] + ", " + n);
      else b.removeAttribute("aria-label");
    });
  }

  function renderBody(li, m) {
    if (m.deleted) {
      li.appendChild(el("p", "msg-placeholder", "Removed by its author."));
      return;
    }
    if (m.hidden && !m.html) {
      li.appendChild(el("p", "msg-placeholder", "Removed by a facilitator" +
        (m.hidden.clause ? " (agreement: " + m.hidden.clause + ")" : "") + "."));
      return;
    }
    if (m.hidden) {
      li.appendChild(el("p", "msg-placeholder", "Hidden from members" +
        (m.hidden.clause ? " (agreement: " + m.hidden.clause + ")" : "") + ". Only facilitators see this."));
    }
    var body = el("div", "msg-body");
    body.innerHTML = m.html; // rendered and sanitized by the server's one text pipeline
    if (m.content_warning) {
      var details = el("details", "cw");
      var summary = el("summary", null, "Content warning: " + m.content_warning + ". ");
      summary.appendChild(el("span", "cw-action", "Show the message"));
      details.appendChild(summary);
      details.appendChild(body);
      li.appendChild(details);
    } else {
      li.appendChild(body);
    }
    if (m.resource) {
      var card = el("div", "resource-share card");
      var title = el("p", "resource-share-title");
      title.appendChild(link(m.resource.title, m.resource.url));
      card.appendChild(title);
      if (m.resource.summary) card.appendChild(el("p", null, m.resource.summary));
      if (m.resource.domain) card.appendChild(el("p", "muted", m.resource.domain));
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
    if (m.author.role === "facilitator") meta.appendChild(el("span", "badge", "Facilitator"));
    meta.appendChild(timeElement(m.created_at));
    if (m.intent) meta.appendChild(el("span", "intent intent-" + m.intent, intentLabels[m.intent] || m.intent));
    if (m.edited && !m.deleted) meta.appendChild(el("span", "muted msg-edited", "(edited)"));
    if (m.held) meta.appendChild(el("span", "badge", "Waiting for a facilitator"));
    li.appendChild(meta);
    renderBody(li, m);
    if (!m.deleted && !m.hidden && !m.held) {
      renderReactions(li, m);
      addLinks(li, m, own);
      if (own) addOwnActions(li, m);
    } else if (m.hidden && room.dataset.facilitator === "true") {
      addLinks(li, m, true);
    }
    return li;
  }

  function link(text, href) {
    var a = el("a", null, text);
    a.href = href;
    return a;
  }

  // A short visible word, with the rest of its name for screen readers ("Report Sam's message").
  function namedLink(visible, hidden, href) {
    var a = link(visible, href);
    a.appendChild(el("span", "visually-hidden", hidden));
    return a;
  }

  function addLinks(li, m, own) {
    var p = el("p", "msg-links");
    if (!own) {
      p.appendChild(namedLink("Report", " " + m.author.name + "'s message", "/moderation/report/message/" + m.id + "/"));
      p.appendChild(document.createTextNode(" "));
      p.appendChild(link("I'm worried about " + m.author.name, "/moderation/worry/" + m.id + "/"));
    }
    if (room.dataset.facilitator === "true") {
      p.appendChild(document.createTextNode(" "));
      p.appendChild(namedLink("Review", " " + m.author.name + "'s message", "/moderation/messages/" + m.id + "/"));
    }
    if (p.childNodes.length) li.appendChild(p);
  }

  function addOwnActions(li, m) {
    var actions = el("div", "own-actions");
    if (Date.now() - new Date(m.created_at).getTime() < EDIT_WINDOW_MS) {
      var edit = el("button", "link-button msg-edit", "Edit");
      edit.type = "button";
      actions.appendChild(edit);
    }
    var del = el("button", "link-button msg-delete", "Delete my message");
    del.type = "button";
    actions.appendChild(del);
    li.appendChild(actions);
  }

  function placeMessage(li, seq) {
    var empty = document.getElementById("no-messages");
    if (empty) empty.remove();
    if (seq) {
      // Keep order by sequence even when an older message arrives late.
      var items = list.querySelectorAll(".msg");
      for (var i = items.length - 1; i >= 0; i--) {
        var s = Number(items[i].dataset.seq);
        if (s && s < seq) { items[i].after(li); return; }
      }
      var first = list.querySelector(".msg");
      if (first && Number(first.dataset.seq) > seq) { list.insertBefore(li, first); return; }
    }
    list.appendChild(li);
  }

  function upsert(m, announce) {
    var existing = findMessage(m.id) ||
      (m.client_id && m.author.id === me.id && list.querySelector('[data-client-id="' + cssEscape(m.client_id) + '"]'));
    if (existing && m.author.id === me.id && existing.classList.contains("msg-pending")) {
      delete pending[m.client_id];
    }
    var pressed = existing ? pressedOf(existing) : [];
    if (!m.mine) m.mine = pressed;
    var li = renderMessage(m);
    if (existing) {
      var hadFocus = existing.contains(document.activeElement);
      existing.replaceWith(li);
      if (hadFocus) li.setAttribute("tabindex", "-1"), li.focus();
    } else {
      placeMessage(li, m.seq);
      if (announce && m.author.id !== me.id) queueAnnouncement(m);
    }
    if (m.change > lastChange) lastChange = m.change;
    releaseNotices(m.id);
  }

  function pressedOf(li) {
    return Array.prototype.filter.call(li.querySelectorAll('.reaction[aria-pressed="true"]'), function () { return true; })
      .map(function (b) { return b.dataset.reaction; });
  }

  function cssEscape(value) {
    return window.CSS && CSS.escape ? CSS.escape(value) : value.replace(/["\\]/g, "\\$&");
  }

  // --- Announcing to screen readers, without flooding ----------------------------

  // One polite announcement per message from someone else; a burst becomes one summary.
  // Typing, presence and my own messages are never announced.
  var ANNOUNCE_WAIT_MS = 700;
  var BURST = 3;

  function announcementFor(m) {
    var who = m.author.name;
    if (m.content_warning) return who + " shared a message with a content warning: " + m.content_warning + ".";
    if (m.resource) return who + " shared a resource: " + m.resource.title + ".";
    var tmp = document.createElement("div");
    tmp.innerHTML = m.html; // sanitized by the server; never attached to the page
    var text = tmp.textContent.replace(/\s+/g, " ").trim();
    if (text.length > 200) text = text.slice(0, 200) + "…";
    var intent = m.intent === "listening" ? ", asking to be listened to" : "";
    return who + intent + ": " + text;
  }

  function queueAnnouncement(m) {
    announceQueue.push({ name: m.author.name, text: announcementFor(m) });
    if (!announceTimer) announceTimer = setTimeout(flushAnnouncements, ANNOUNCE_WAIT_MS);
  }

  function flushAnnouncements() {
    announceTimer = null;
    var batch = announceQueue;
    announceQueue = [];
    var text;
    if (batch.length > BURST) {
      var names = [];
      batch.forEach(function (a) { if (names.indexOf(a.name) < 0) names.push(a.name); });
      var from = names.length > 2 ? names.slice(0, 2).join(", ") + " and others" : names.join(" and ");
      text = batch.length + " new messages from " + from + ".";
    } else {
      text = batch.map(function (a) { return a.text; }).join(" ");
    }
    announcer.textContent = "";
    announcer.appendChild(el("p", null, text));
  }

  // --- Sequence bookkeeping --------------------------------------------------------

  function accept(m, announce) {
    if (m.seq === null) { upsert(m, false); return; } // a held message of mine
    if (m.seq <= lastSeq) { upsert(m, false); return; }
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

  // --- Composer state --------------------------------------------------------------

  function applyMe(next) {
    me = next;
    textarea.disabled = !me.can_post;
    sendButton.disabled = !me.can_post;
    Array.prototype.forEach.call(list.querySelectorAll(".reaction"), function (b) { b.disabled = !me.can_post; });
    if (me.can_post) { statusLine.textContent = ""; return; }
    if (me.muted_until) {
      statusLine.textContent = "You are paused from posting until " + formatTime(me.muted_until) + ". " + (me.mute_reason || "");
    } else if (me.needs_consent) {
      statusLine.textContent = "The group's agreement changed. Please read it and agree again to post.";
    } else {
      statusLine.textContent = "Posting is paused in this room right now.";
    }
  }

  function applyRoom(state) {
    var parts = [];
    if (state.archived) parts.push("This group has closed; its conversation is read-only.");
    else if (state.paused) parts.push("The room is paused for a moment." + (state.pause_message ? " " + state.pause_message : ""));
    if (state.slow_mode && !state.archived) {
      parts.push("Slow mode is on: one message every " + state.slow_mode + " seconds, so everyone can keep up.");
    }
    roomState.textContent = parts.join(" ");
    roomState.classList.toggle("hidden", !parts.length);
  }

  // --- Events from the server ------------------------------------------------------

  var handlers = {
    hello: function (e) {
      attempts = 0;
      setConnection("Connected. New messages appear as they arrive.");
      e.reactions.forEach(function (r) { reactionLabels[r.key] = r.label; });
      e.intents.forEach(function (i) { intentLabels[i.key] = i.label; });
      applyMe(e.me);
      applyRoom(e.room);
      syncing = false;
      resync();
      Object.keys(pending).forEach(function (id) { if (!refused[id]) send(pending[id]); });
    },
    "message.ack": function (e) {
      var li = list.querySelector('[data-client-id="' + cssEscape(e.client_id) + '"]');
      delete pending[e.client_id];
      if (li && li.classList.contains("msg-pending")) {
        li.classList.remove("msg-pending", "msg-failed");
        li.id = "m-" + e.id;
        li.dataset.id = e.id;
        var state = li.querySelector(".msg-state");
        if (state) state.textContent = e.held ? "Waiting for a facilitator" : "";
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
      var placeholder = el("p", "msg-placeholder", e.reason === "author"
        ? "Removed by its author."
        : "Removed by a facilitator" + (e.clause ? " (agreement: " + e.clause + ")" : "") + ".");
      Array.prototype.forEach.call(li.querySelectorAll(".msg-body, .cw, .reactions, .own-actions, .msg-placeholder"), function (n) { n.remove(); });
      li.querySelector(".msg-meta").after(placeholder);
    },
    "reaction.updated": function (e) {
      noteChange(e.change);
      var li = findMessage(e.id);
      if (li) updateCounts(li, e.reactions);
    },
    "reaction.ack": function (e) {
      var li = findMessage(e.id);
      var b = li && li.querySelector('.reaction[data-reaction="' + e.reaction + '"]');
      if (b) b.setAttribute("aria-pressed", e.on ? "true" : "false");
    },
    "sync.batch": function (e) {
      syncing = false;
      e.messages.forEach(function (m) { accept(m, false); });
      e.updates.forEach(function (m) { if (findMessage(m.id)) upsert(m, false); });
      if (e.last_change > lastChange) lastChange = e.last_change;
      if (e.messages.length) scheduleRead();
    },
    "sync.reload": function (e) {
      syncing = false;
      setConnection(e.detail);
      var a = el("a", null, "Reload now");
      a.href = window.location.pathname;
      connection.appendChild(document.createTextNode(" "));
      connection.appendChild(a);
    },
    typing: function (e) {
      if (e.member.id === me.id) return;
      typingLine.textContent = e.member.name + " is writing…";
      clearTimeout(typingTimer);
      typingTimer = setTimeout(function () { typingLine.textContent = ""; }, 4000);
    },
    presence: function (e) {
      var names = e.here.map(function (p) { return p.id === me.id ? "you" : p.name; });
      presenceList.textContent = names.length ? names.join(", ") : "you";
    },
    "room.state": function (e) { applyRoom(e); },
    me: function (e) { applyMe(e.me); },
    notice: function (e) { showNotice(e); },
    error: function (e) {
      if (e.client_id && pending[e.client_id]) { markFailed(e.client_id, e.detail); return; }
      statusLine.textContent = e.detail;
    },
    pong: function () {}
  };

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

  function showNotice(e, released) {
    if (e.declined_message) {
      var declined = findMessage(e.declined_message);
      if (declined && declined.classList.contains("msg-held")) declined.remove();
    }
    if (e.after_message && !released && !findMessage(e.after_message)) {
      (waitingNotices[e.after_message] = waitingNotices[e.after_message] || []).push(e);
      setTimeout(function () { releaseNotices(e.after_message); }, 3000);
      return;
    }
    var box = document.getElementById("notices") || (function () {
      var n = el("div", "notices");
      n.id = "notices";
      n.setAttribute("role", "status");
      room.insertBefore(n, list);
      return n;
    })();
    var card = el("div", "card notice-card");
    if (e.title) card.appendChild(el("h3", null, e.title));
    card.appendChild(el("p", null, e.text));
    (e.lines || []).forEach(function (line) {
      card.appendChild(el("p", null, line.name + (line.phone ? ": call " + line.phone : "") + (line.text ? ", text " + line.text : "")));
    });
    if (e.link) {
      var a = el("a", null, e.link_text || "More");
      a.href = e.link;
      card.appendChild(a);
    }
    box.appendChild(card);
  }

  // --- Connection with backoff and jitter ------------------------------------------

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var greeted = false;
    socket = new WebSocket(scheme + location.host + "/ws/groups/" + slug + "/");
    socket.onmessage = function (msg) {
      var event;
      try { event = JSON.parse(msg.data); } catch (err) { return; }
      if (event.type === "hello") { greeted = true; reopened = false; }
      var handler = handlers[event.type];
      if (handler) handler(event);
    };
    socket.onclose = function (e) {
      syncing = false;
      // A session can change under an open room (a password change gives it a new
      // key): open once more with the cookie the browser holds now.
      if (e.code === 4401 && greeted && !reopened) { reopened = true; setTimeout(connect, 200); return; }
      if (e.code === 4401) { stopped = true; setConnection("Please sign in again to keep talking."); return; }
      if (e.code === 4403) {
        stopped = true;
        setConnection("This room is closed to you now. If a facilitator made a decision, your home page explains it.");
        textarea.disabled = true;
        sendButton.disabled = true;
        return;
      }
      if (stopped) return;
      attempts += 1;
      var delay = Math.min(30000, 500 * Math.pow(2, attempts)) * (0.5 + Math.random() / 2);
      setConnection("Reconnecting… your messages are kept and will be sent.");
      setTimeout(connect, delay);
    };
  }

  // --- Sending -----------------------------------------------------------------------

  function markFailed(clientId, detail) {
    var li = list.querySelector('[data-client-id="' + cssEscape(clientId) + '"]');
    refused[clientId] = true;
    if (!li) return;
    li.classList.add("msg-failed");
    var state = li.querySelector(".msg-state");
    state.textContent = "Not sent: " + detail + " ";
    var retry = el("button", "link-button msg-retry", "Try again");
    retry.type = "button";
    retry.dataset.clientId = clientId;
    state.appendChild(retry);
    statusLine.textContent = "Not sent: " + detail;
  }

  function showPending(frame) {
    var li = el("li", "msg msg-own msg-pending");
    li.dataset.clientId = frame.client_id;
    var meta = el("p", "msg-meta");
    meta.appendChild(el("span", "msg-author", me.name));
    meta.appendChild(el("span", "msg-state", "Sending…"));
    li.appendChild(meta);
    var body = el("div", "msg-body");
    frame.body.split("\n").forEach(function (line, i) {
      if (i) body.appendChild(document.createElement("br"));
      body.appendChild(document.createTextNode(line));
    });
    li.appendChild(body);
    list.appendChild(li);
    var empty = document.getElementById("no-messages");
    if (empty) empty.remove();
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
    if (!send(frame)) setConnection("Offline for a moment. Your message will be sent when we reconnect.");
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

  // --- Dialogs: modal, Escape closes, focus stays inside and returns where it was ----

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

  [adviceDialog, deleteDialog].forEach(function (dialog) {
    if (!dialog) return;
    // Tab and Shift+Tab cycle within the dialog.
    dialog.addEventListener("keydown", function (e) {
      if (e.key !== "Tab") return;
      var items = focusables(dialog);
      if (!items.length) return;
      var first = items[0];
      var last = items[items.length - 1];
      if (e.shiftKey && document.activeElement === first) { e.preventDefault(); last.focus(); }
      else if (!e.shiftKey && document.activeElement === last) { e.preventDefault(); first.focus(); }
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

  document.getElementById("advice-edit").addEventListener("click", function () {
    closeDialog(adviceDialog);
  });
  document.getElementById("advice-send").addEventListener("click", function () {
    adviceDialog.onConfirm = function () { submit(true); return textarea; };
    closeDialog(adviceDialog, "confirm");
  });
  document.getElementById("delete-keep").addEventListener("click", function () {
    closeDialog(deleteDialog);
  });
  document.getElementById("delete-confirm").addEventListener("click", function () {
    closeDialog(deleteDialog, "confirm");
  });

  // Reactions, retries, edits and deletions, by delegation.
  list.addEventListener("click", function (e) {
    var target = e.target.closest("button");
    if (!target) return;
    var li = target.closest(".msg");
    if (target.classList.contains("reaction")) {
      e.preventDefault();
      send({ type: "reaction.toggle", id: Number(li.dataset.id), reaction: target.dataset.reaction });
    } else if (target.classList.contains("msg-retry")) {
      var frame = pending[target.dataset.clientId];
      if (frame) {
        delete refused[target.dataset.clientId];
        li.classList.remove("msg-failed");
        li.querySelector(".msg-state").textContent = "Sending…";
        send(frame);
      }
    } else if (target.classList.contains("msg-delete") && li.dataset.id) {
      e.preventDefault();
      openDialog(deleteDialog, target, function () {
        if (!send({ type: "message.delete", id: Number(li.dataset.id) })) {
          statusLine.textContent = "Not deleted: we're offline for a moment. Please try again soon.";
          return target;
        }
        // The message becomes a placeholder; keep the reader's place on it.
        li.setAttribute("tabindex", "-1");
        return li;
      });
    } else if (target.classList.contains("msg-edit")) {
      startEdit(li);
    }
  });

  // Where the composer stays on screen, nothing that takes focus may hide beneath it.
  document.addEventListener("focusin", function (e) {
    var target = e.target;
    if (composer.contains(target) || !room.contains(target)) return;
    if (getComputedStyle(composer).position !== "sticky") return;
    var bar = composer.getBoundingClientRect();
    var box = target.getBoundingClientRect();
    if (box.bottom > bar.top && box.top < bar.bottom) window.scrollBy(0, box.bottom - bar.top + 16);
  });

  // A content warning's control says what it will do next.
  list.addEventListener("toggle", function (e) {
    var details = e.target;
    if (!details.classList || !details.classList.contains("cw")) return;
    var action = details.querySelector(".cw-action");
    if (action) action.textContent = details.open ? "Hide the message" : "Show the message";
  }, true);

  // The server-rendered delete forms: handled above when live, posted when not.
  list.addEventListener("submit", function (e) {
    if (socket && socket.readyState === WebSocket.OPEN) e.preventDefault();
  });

  function startEdit(li) {
    var body = li.querySelector(".msg-body");
    if (!body || li.querySelector(".msg-edit-form")) return;
    var form = el("form", "msg-edit-form");
    var id = "edit-" + li.dataset.id;
    var label = el("label", null, "Edit your message");
    label.htmlFor = id;
    var area = el("textarea");
    area.id = id;
    area.rows = 3;
    area.value = body.innerText;
    var save = el("button", "button button-small", "Save");
    save.type = "submit";
    var cancel = el("button", "button button-small button-quiet", "Cancel");
    cancel.type = "button";
    form.appendChild(label);
    form.appendChild(area);
    form.appendChild(save);
    form.appendChild(cancel);
    body.after(form);
    area.focus();
    function done() {
      form.remove();
      var back = li.querySelector(".msg-edit") || li;
      if (back === li) li.setAttribute("tabindex", "-1");
      back.focus();
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

  // Earlier messages by keyset pagination on the sequence number.
  var earlier = document.getElementById("earlier-link");
  if (earlier) {
    earlier.addEventListener("click", function (e) {
      e.preventDefault();
      fetch(room.dataset.historyUrl + "?before=" + earlier.dataset.before, {
        credentials: "same-origin", headers: { "X-CSRFToken": csrf }
      })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          var first = list.querySelector(".msg");
          data.messages.forEach(function (m) {
            if (!findMessage(m.id)) list.insertBefore(renderMessage(m), first);
          });
          if (data.has_more && data.messages.length) {
            earlier.dataset.before = data.messages[0].seq;
          } else {
            earlier.parentNode.remove();
          }
          var top = list.querySelector(".msg");
          if (top) { top.setAttribute("tabindex", "-1"); top.focus(); }
        });
    });
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") scheduleRead();
  });

  connect();
})();
