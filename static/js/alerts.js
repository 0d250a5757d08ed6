/* Hearth alerts (signed-in pages): the navigation's counts live over ws/me/ (numbers
 * only); in a room, for its keepers, the urgent banner and the held messages' bar,
 * read from the room's own page. Also takes the browser's time zone while none is set. */
(function () {
  "use strict";
  var d = document, $ = function (id) { return d.getElementById(id); };
  var token = d.querySelector("input[name=csrfmiddlewaretoken]");
  function post(url, data) {
    return fetch(url, { method: "POST", body: data, credentials: "same-origin",
      headers: { "X-CSRFToken": token ? token.value : "", Accept: "application/json" } });
  }
  if (d.documentElement.dataset.tz === "" && window.Intl) {
    var zone = new FormData();
    zone.append("time_zone", Intl.DateTimeFormat().resolvedOptions().timeZone || "");
    post("/settings/time-zone/", zone);
  }

  var notes = $("nav-notes"), safety = $("nav-safety"), room = $("room-alerts");
  if (!safety || !window.WebSocket) return;
  var seen = { notes: +notes.dataset.count, urgent: +safety.dataset.count,
               urgent_item: +safety.dataset.item || 0, held: +safety.dataset.held };

  function count(link, n) {
    link.querySelector(".nav-number").textContent = n;
    link.querySelector(".nav-count").classList.toggle("hidden", !n);
  }
  function some(n, text) { return interpolate(text, { count: n }, true); }
  function node(tag, text) { var n = d.createElement(tag); n.textContent = text || ""; return n; }

  function hideable(box) {
    var hide = node("button", gettext("Hide this"));
    hide.type = "button";
    hide.className = "link-button";
    hide.onclick = function () { box.remove(); safety.focus(); };
    box.appendChild(hide);
  }

  // Shown once per new urgent item, in an assertive region; it never blocks the room.
  function banner(a) {
    var box = node("div"), p = node("p"), open = node("a", gettext("Open it"));
    box.className = "urgent-banner";
    box.id = "urgent-banner";
    p.appendChild(node("strong", String(a.urgent_group) === room.dataset.group
      ? gettext("Someone in this room may need support now.") : gettext("Someone in one of your groups may need support now.")));
    p.appendChild(d.createTextNode(" " + some(a.urgent, ngettext("An urgent item is waiting in the safety queue.",
      "%(count)s urgent items are waiting in the safety queue.", a.urgent)) + " "));
    open.href = safety.getAttribute("href") + "#item-" + a.urgent_item;
    p.appendChild(open);
    box.appendChild(p);
    hideable(box);
    $("urgent-alert").replaceChildren(box);
  }

  function refreshHeld(focus) {
    fetch(room.dataset.heldUrl, { credentials: "same-origin" }).then(function (r) {
      return r.ok ? r.text() : Promise.reject(r.status);
    }).then(function (html) {
      var bar = $("held-bar"), open = !!bar.querySelector("[open]");
      focus = focus || bar.contains(d.activeElement);
      bar.innerHTML = html; // the room's own page, rendered and escaped by the server
      var details = $("held-details");
      if (details) details.open = open || focus;
      if (focus) (details ? details.firstElementChild : safety).focus();
    }, function () {});
  }

  function update(a) {
    var said = [], fresh = a.urgent > 0 && a.urgent_item !== seen.urgent_item &&
      (a.urgent > seen.urgent || a.urgent_item > seen.urgent_item);
    if (a.notes > seen.notes) said.push(some(a.notes, ngettext("%(count)s unread note.", "%(count)s unread notes.", a.notes)));
    count(notes, a.notes);
    count(safety, a.urgent);
    if (fresh && room) banner(a);
    else if (fresh) said.unshift(some(a.urgent, ngettext("Safety queue: %(count)s urgent item.", "Safety queue: %(count)s urgent items.", a.urgent)));
    if (room && !a.urgent && $("urgent-banner")) $("urgent-banner").remove();
    if (room && a.held !== seen.held) refreshHeld(false);
    if (said.length) $("nav-status").textContent = said.join(" ");
    seen = a;
  }

  if (room) {
    if ($("urgent-banner")) hideable($("urgent-banner"));
    // Post or decline a held message here, with the queue's own action, and stay put.
    room.addEventListener("submit", function (e) {
      var form = e.target, data = new FormData(form);
      if (!form.classList.contains("held-form")) return;
      e.preventDefault();
      if (e.submitter) data.append(e.submitter.name, e.submitter.value);
      form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
      post(form.action, data).then(function (r) { return r.json(); }).then(function (answer) {
        $("held-status").textContent = answer.detail;
      }, function () {
        $("held-status").textContent = gettext("That didn't go through. Please try again.");
      }).then(function () { refreshHeld(true); });
    });
  }

  var tries = 0;
  (function connect() {
    var socket = new WebSocket(location.origin.replace(/^http/, "ws") + safety.dataset.live);
    socket.onmessage = function (m) {
      var a = JSON.parse(m.data);
      if (a.type === "alerts") { tries = 0; update(a); }
    };
    socket.onclose = function (e) { // not after a sign-out (4401) or a refusal (4429)
      if (e.code !== 4401 && e.code !== 4429) {
        setTimeout(connect, Math.min(30000, 500 * Math.pow(2, ++tries)) * (0.5 + Math.random() / 2));
      }
    };
  })();
})();
