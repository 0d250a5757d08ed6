/* A session in the room (issue 17): its bar, check-in and check-out, the talking piece, the
 * keepers' controls. room.js loads this only in a session or for keepers, and hands it
 * window.HearthRoom. Each change brings the whole state; controls are made once and shown
 * or hidden, so focus and a half-written answer survive other people's changes. */
(function () {
"use strict";

var R = window.HearthRoom;
var box = document.getElementById("session");
if (!R || !box) return;

var keeper = R.keeper;
var PHASES = {
  opening: pgettext("session phase", "Opening"),
  check_in: pgettext("session phase", "Check-in"),
  talking_piece: pgettext("session phase", "Sharing: talking piece"),
  check_out: pgettext("session phase", "Check-out"),
  open: pgettext("session phase", "Open conversation")
};
var OPENED = { check_in: gettext("Check-in is open."), talking_piece: gettext("A talking-piece round has begun."), check_out: gettext("Check-out is open.") };
// Where I stand in the order of turns, in "Your turn is %(ordinal)s from now." (1: "next", said apart).
var ORDINALS = [null, pgettext("turn order", "second"), pgettext("turn order", "third"), pgettext("turn order", "fourth"),
  pgettext("turn order", "fifth"), pgettext("turn order", "sixth"), pgettext("turn order", "seventh"),
  pgettext("turn order", "eighth"), pgettext("turn order", "ninth"), pgettext("turn order", "tenth"),
  pgettext("turn order", "eleventh"), pgettext("turn order", "twelfth")];
var state = null;           // the session as last told (null: none is running)
var asked = false;          // a session frame of ours waits for its ack or error
var greeted = false;        // a later hello (a reconnect) tells what changed meanwhile
var ids = 0;

function el(tag, cls, text, parent) {
  var node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text) node.textContent = text;
  if (parent) parent.appendChild(node);
  return node;
}
function show(node, on) { node.classList.toggle("hidden", !on); }
function seen(node) { return document.contains(node) && node.offsetParent !== null; }
function list(names) {
  return names.length < 2 ? names.join("")
    // Translators: the end of a list of names: %(names)s is "Priya, Wren" and %(last)s is "Sam".
    : interpolate(gettext("%(names)s and %(last)s"), { names: names.slice(0, -1).join(", "), last: names[names.length - 1] }, true);
}
// Translators: the reader, in a list of names ("then you, Sam"; "Waiting for: you, Sam").
var YOU = pgettext("the reader, in a list of names", "you");
function nameOf(p) { return p.id === R.me().id ? YOU : p.name; }
function field(parent, label, input, cls) {
  var wrap = el("div", cls || "field", null, parent);
  input.id = "session-field-" + (++ids);
  el("label", null, label, wrap).htmlFor = input.id;
  wrap.appendChild(input);
  return input;
}
function number(min, max, step, value) {
  var n = el("input");
  n.type = "number";
  n.min = min;
  n.max = max;
  n.step = step;
  if (value) n.value = value;
  n.inputMode = "decimal";
  return n;
}
function act(frame) {
  if (R.send(frame)) { asked = true; note.textContent = ""; }
  else note.textContent = gettext("Not connected just now. Please try again in a moment.");
}
function button(parent, text, frame, quiet) {
  var b = el("button", "button button-small" + (quiet ? " button-quiet" : ""), text, parent);
  b.type = "button";
  if (frame) b.addEventListener("click", function () { act(typeof frame === "function" ? frame() : frame); });
  return b;
}

// --- What is drawn: the bar, the round, the keepers' controls ---

var bar = el("div", "session-bar", null, box);
var phase = el("p", "session-phase", null, bar);
phase.tabIndex = -1;        // where focus rests when the control it was on goes away
var who = el("p", "session-who", null, bar);
var clock = el("p", "session-time", null, bar);

var round = el("div", "round", null, box);
var prompt = el("p", "round-prompt", null, round);

var form = el("form", "round-form", null, round);
var scale = el("fieldset", "round-scale", null, form);
el("legend", null, gettext("Your number, from 1 to 5"), scale);
var choices = el("div", "round-choices", null, scale);
for (var n = 1; n <= 5; n++) {
  var choice = el("label", null, null, choices);
  var radio = el("input", null, null, choice);
  radio.type = "radio";
  radio.name = "session-score";
  radio.value = n;
  choice.append(String(n));
}
var words = field(form, gettext("A word or a few (optional)"), el("input"));
words.type = "text";
words.maxLength = 140;
words.autocomplete = "off";
var formRow = el("div", "button-row", null, form);
el("button", "button button-small", pgettext("a check-in answer", "Share"), formRow).type = "submit";
button(formRow, pgettext("a check-in answer", "Pass"), { type: "round.answer", pass: true }, true);
form.addEventListener("submit", function (e) {
  e.preventDefault();
  var picked = form.querySelector("input:checked");
  var frame = { type: "round.answer", words: words.value.trim() };
  if (picked) frame.score = Number(picked.value);
  if (picked || frame.words) act(frame);
  else note.textContent = gettext("Please choose a number or write a word, or pass.");
});

var answers = el("ul", "round-answers", null, round);
answers.setAttribute("aria-label", gettext("Answers"));
var waiting = el("p", "round-waiting", null, round);  // keepers only
var totals = el("p", "round-totals", null, round);    // keepers only

var order = el("p", "piece-order", null, round);
var place = el("p", "piece-place", null, round);
var turn = el("p", "piece-time", null, round);
var turnText = el("span", null, null, turn);
var meter = el("span", "piece-meter", null, turn);
meter.setAttribute("aria-hidden", "true");
var meterFill = el("span", null, null, meter);
var pieceRow = el("div", "button-row", null, round);
var passIt = button(pieceRow, gettext("I'm done — pass the piece"), { type: "piece.pass" });
var ask = button(pieceRow, gettext("Ask for a turn"), { type: "piece.ask" });
var skip = button(pieceRow, gettext("Skip my turn"), { type: "piece.skip" }, true);

if (keeper) {
  // One row: the round's controls while a round is open, else the ones that open a round.
  var controls = el("div", "button-row session-controls", null, box);
  var next = button(controls, gettext("Next person"), { type: "piece.move", step: "next" });
  // Translators: a button that gives the talking piece back to the person before.
  var back = button(controls, pgettext("the talking piece", "Back"), { type: "piece.move", step: "back" }, true);
  var closeRound = button(controls, gettext("End round"), { type: "round.close" }, true);
  var opens = [
    button(controls, pgettext("a button that opens the round", "Check-in"), { type: "round.open", kind: "check_in" }),
    el("details", "session-more", null, controls),
    button(controls, pgettext("a button that opens the round", "Check-out"), { type: "round.open", kind: "check_out" })
  ];
  var endSession = button(controls, gettext("End session"), { type: "session.end" }, true);
  el("summary", null, gettext("Talking piece"), opens[1]);
  var pieceForm = el("form", "session-form", null, opens[1]);
  var how = field(pieceForm, gettext("Order of turns"), el("select"));
  [["joined", gettext("As people joined")], ["random", pgettext("order of turns", "Random")],
   ["volunteers", gettext("Volunteers first")]].forEach(function (o) {
    el("option", null, o[1], how).value = o[0];
  });
  var turnMinutes = field(pieceForm, gettext("Minutes for each turn (optional)"), number(0, 15, 0.5));
  el("button", "button button-small", gettext("Start the talking piece"), pieceForm).type = "submit";
  pieceForm.addEventListener("submit", function (e) {
    e.preventDefault();
    var frame = { type: "round.open", kind: "talking_piece", order: how.value };
    var seconds = Math.round(Number(turnMinutes.value) * 60);
    if (seconds) frame.turn_seconds = seconds;
    opens[1].open = false;
    act(frame);
  });

  var adding = el("div", "session-form", null, box);
  var addWho = field(adding, gettext("Someone to add to the order"), el("select"));
  button(adding, gettext("Add someone"), function () { return { type: "piece.add", member: Number(addWho.value) }; }, true);

  var start = el("details", "session-more", null, box);
  el("summary", null, gettext("Start a session"), start);
  var startForm = el("form", "session-form", null, start);
  var minutes = field(startForm, gettext("Length in minutes"), number(10, 240, 5, 60));
  el("button", "button button-small", gettext("Start the session"), startForm).type = "submit";
  startForm.addEventListener("submit", function (e) {
    e.preventDefault();
    start.open = false;
    act({ type: "session.start", minutes: Math.round(Number(minutes.value)) || 60 });
  });
}
var note = el("p", "session-note", null, box);
note.setAttribute("role", "status");

// --- Drawing a state ---

function inOrder(r) { return r.order.slice(r.position + 1).map(function (p) { return p.id; }).indexOf(R.me().id) + 1; }
// Beside the composer while someone else holds the piece (or nobody does): where I stand.
function composerText(holder, at) {
  var o = { name: holder && holder.name, ordinal: ORDINALS[at - 1] };
  if (holder) return interpolate(at === 1 ? gettext("%(name)s is sharing; your turn is next.")
    // Translators: %(ordinal)s is a word such as "second" or "third" (context "turn order").
    : at ? gettext("%(name)s is sharing; your turn is %(ordinal)s from now.")
    : gettext("%(name)s is sharing; you can ask for a turn."), o, true);
  return interpolate(at === 1 ? gettext("The piece is resting in the middle; your turn is next.")
    // Translators: %(ordinal)s is a word such as "second" or "third" (context "turn order").
    : at ? gettext("The piece is resting in the middle; your turn is %(ordinal)s from now.")
    : gettext("The piece is resting in the middle; you can ask for a turn."), o, true);
}

function said(a, sep) { return [a.score, a.words].filter(function (x) { return x !== null && x !== ""; }).join(sep); }
function answerText(a) {
  if (a.passed) return interpolate(gettext("%(name)s passed."), { name: a.member.name }, true);
  // Translators: a check-in answer read to screen readers: who, then their number and words ("Sam: 4, tired").
  return interpolate(gettext("%(name)s: %(answer)s."), { name: a.member.name, answer: said(a, ", ") }, true);
}

function fillAdding(r) {
  var chosen = addWho.value;
  var taken = r.order.slice(r.position).map(function (p) { return p.id; });
  addWho.textContent = "";
  R.here().forEach(function (p) {
    if (taken.indexOf(p.id) < 0 && p.id !== R.me().id && p.role !== "facilitator") el("option", null, p.name, addWho).value = p.id;
  });
  if (chosen) addWho.value = chosen;
  show(adding, addWho.options.length > 0);
}

function render(s) {
  var had = box.contains(document.activeElement) ? document.activeElement : null;
  var me = R.me();
  var r = s && s.round;
  var piece = !!r && r.kind === "talking_piece";
  var check = !!r && !piece;
  state = s;
  show(box, !!s || keeper);
  box.classList.toggle("session-idle", !s);
  show(bar, !!s);
  show(round, !!r);
  if (s) {
    phase.textContent = PHASES[s.phase] || pgettext("a live session", "Session");
    var names = s.facilitators.map(nameOf);
    var line = !names.length ? ""
      : names.length > 1 ? interpolate(gettext("%(names)s are facilitating"), { names: list(names) }, true)
      : s.facilitators[0].id === me.id ? gettext("You are facilitating")
      : interpolate(gettext("%(name)s is facilitating"), { name: names[0] }, true);
    who.textContent = line.charAt(0).toUpperCase() + line.slice(1);
  }
  if (r) prompt.textContent = r.prompt;

  // A check-in or check-out: the form until I have answered, the answers as they come.
  var mine = check && r.answers.some(function (a) { return a.member.id === me.id; });
  if (check && form.dataset.round !== String(r.id)) { form.reset(); form.dataset.round = r.id; }
  show(form, check && !mine);
  answers.textContent = "";
  (check ? r.answers : []).forEach(function (a) {
    var li = el("li", null, null, answers);
    if (!a.passed) {
      el("b", null, a.member.name, li);
      li.append(" " + said(a, " · "));
      return;
    }
    // Translators: in the list of check-in answers; the name is shown in bold.
    var parts = gettext("%(name)s passed").split("%(name)s");
    li.append(parts[0]);
    el("b", null, a.member.name, li);
    li.append(parts.slice(1).join(a.member.name));
  });
  show(answers, check && r.answers.length > 0);
  var w = check && r.waiting, g = check && r.aggregate;
  show(waiting, !!w);
  if (w) {
    waiting.textContent = w.length ? interpolate(gettext("Waiting for: %(names)s"), { names: list(w.map(nameOf)) }, true)
      : gettext("Everyone here has answered.");
  }
  show(totals, !!g);
  if (g) {
    totals.textContent = !r.answers.length ? gettext("No answers yet.")
      // Translators: the check-in's numbers, for keepers: "Average 4 · 1 answered, 1 passed · 1: 1, 2: 0 ..."
      : (g.average === null ? gettext("No numbers yet") : interpolate(gettext("Average %(average)s"), { average: g.average }, true)) + " · " +
        // Translators: how many people gave an answer, in "Average 4 · 1 answered, 1 passed".
        interpolate(ngettext("%(count)s answered", "%(count)s answered", g.answered), { count: g.answered }, true) + ", " +
        // Translators: how many people passed, in "Average 4 · 1 answered, 1 passed".
        interpolate(ngettext("%(count)s passed", "%(count)s passed", g.passed), { count: g.passed }, true) +
        (g.average === null ? "" : " · " + Object.keys(g.counts).map(function (k) { return k + ": " + g.counts[k]; }).join(", "));
  }

  // The talking piece: who holds it, who follows, where I stand.
  var holder = piece && r.holder, mineNow = !!holder && holder.id === me.id, at = piece ? inOrder(r) : 0;
  show(order, piece);
  show(place, piece && (mineNow || at > 0 || !keeper));
  if (piece) {
    var then = r.order.slice(r.position + 1).map(nameOf);
    var o = { name: holder && holder.name, names: then.join(", "), ordinal: ORDINALS[at - 1] };
    order.textContent = holder ? interpolate(mineNow
      // Translators: %(names)s lists who follows, in order ("Wren, Sam").
      ? (then.length ? gettext("You are sharing · then %(names)s") : gettext("You are sharing"))
      // Translators: %(names)s lists who follows, in order ("you, Sam").
      : (then.length ? gettext("%(name)s is sharing · then %(names)s") : gettext("%(name)s is sharing")), o, true)
      : (r.order.length && r.position >= r.order.length ? gettext("Everyone has had a turn.") + " " : "") + gettext("The piece is resting in the middle.");
    place.textContent = mineNow ? gettext("You hold the piece. Share when you're ready, then pass it on.")
      : at === 1 ? gettext("Your turn is next.")
      // Translators: %(ordinal)s is a word such as "second" or "third" (see "turn order").
      : at ? interpolate(gettext("Your turn is %(ordinal)s from now."), o, true)
      : gettext("You're not in the order. You can ask for a turn.");
  }
  show(pieceRow, piece);
  show(passIt, mineNow);
  show(skip, at > 0);
  show(ask, piece && !keeper && !mineNow && !at);

  // While someone else holds the piece, a member's Send waits (the server refuses too).
  var held = piece && !keeper && !mineNow;
  R.hold(held);
  composerNote.textContent = held ? composerText(holder, at) : "";
  show(composerNote, held);

  if (keeper) {
    show(next, piece && r.position < r.order.length);
    show(back, piece && r.position > 0);
    show(closeRound, !!r);
    show(adding, piece);
    if (piece) fillAdding(r);
    show(start, !s);
    show(controls, !!s);
    opens.forEach(function (o) { show(o, !!s && !r); });
    show(endSession, !!s);
  }
  tick();
  reachable();
  // The control that had focus went away: keep the place in the session, not the page's top.
  if (had && !seen(had)) {
    var to = [phase].concat(Array.prototype.slice.call(box.querySelectorAll("summary, button"))).filter(seen)[0];
    (to || document.querySelector("#composer textarea")).focus();
  }
}

// A session taller than its share of the room scrolls: then the keyboard can reach it.
function reachable() {
  if (box.scrollHeight > box.clientHeight + 1) box.tabIndex = 0;
  else box.removeAttribute("tabindex");
}
window.addEventListener("resize", reachable);

// Time, in minutes; and for a time box a gentle countdown in words and a still bar.
function tick() {
  if (!state) return;
  var left = Math.ceil((new Date(state.ends_at) - Date.now()) / 60000);
  clock.textContent = left > 0 ? interpolate(ngettext("%(count)s minute left", "%(count)s minutes left", left), { count: left }, true)
    : gettext("A few minutes over");
  var r = state.round;
  var timed = !!(r && r.holder && r.turn_ends_at);
  show(turn, timed);
  if (!timed) return;
  var s = (new Date(r.turn_ends_at) - Date.now()) / 1000;
  var about = Math.round(s / 60);
  turnText.textContent = s > 90 ? interpolate(ngettext("About %(count)s minute left in this turn", "About %(count)s minutes left in this turn", about), { count: about }, true)
    : s > 45 ? gettext("About a minute left in this turn")
    : s > 0 ? gettext("Less than a minute left in this turn") : gettext("This turn's time is over; the piece passes on.");
  meterFill.style.width = Math.max(0, Math.min(100, s / r.turn_seconds * 100)) + "%";
}
setInterval(tick, 5000);

// What changed, in one polite sentence for screen readers (never the minute's tick).
function news(old, s) {
  if (!s) return old ? gettext("The session has ended. Thank you for being here.") : "";
  var r = s.round, o = old && old.round;
  // Translators: %(who)s says who is facilitating, such as "Farah is facilitating".
  if (!old) return interpolate(gettext("A session has begun. %(who)s."), { who: who.textContent }, true);
  if (!r) return o ? gettext("The round has ended. Open conversation.") : "";
  var holder = r.kind === "talking_piece" && (r.holder ? (r.holder.id === R.me().id ? gettext("The piece is with you.")
    : interpolate(gettext("%(name)s is sharing."), { name: r.holder.name }, true)) : gettext("The piece is resting in the middle."));
  if (!o || o.id !== r.id) return OPENED[r.kind] + " " + r.prompt + (holder ? " " + holder : "");
  if (holder) return (o.holder && o.holder.id) === (r.holder && r.holder.id) ? "" : holder;
  return r.answers.slice(o.answers.length).filter(function (a) { return a.member.id !== R.me().id; }).map(answerText).join(" ");
}

var composerNote = el("p", "composer-turn hidden");
composerNote.id = "composer-turn";
var area = document.querySelector("#composer textarea");
if (area) {
  area.closest(".composer-main").before(composerNote);
  area.setAttribute("aria-describedby", area.getAttribute("aria-describedby") + " composer-turn");
}

R.listen(function (e) {
  if (e.type === "error") {           // ours to show beside the session, if we asked
    if (!asked) return false;
    asked = false;
    note.textContent = e.detail;
    return true;
  }
  if (e.type === "session.ack") { asked = false; note.textContent = ""; return; }
  if (e.type === "presence") { if (keeper && state && state.round && state.round.kind === "talking_piece") fillAdding(state.round); return; }
  if (!("session" in e)) return;
  var old = state;
  render(e.session);
  var text = e.type === "hello" && !greeted ? "" : news(old, e.session); // the room as it is
  greeted = greeted || e.type === "hello";
  if (text) R.say(text);
});
})();
