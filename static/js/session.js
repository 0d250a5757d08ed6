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
var PHASES = { opening: "Opening", check_in: "Check-in", talking_piece: "Sharing: talking piece", check_out: "Check-out", open: "Open conversation" };
var OPENED = { check_in: "Check-in is open. ", talking_piece: "A talking-piece round has begun. ", check_out: "Check-out is open. " };
var ORDINALS = ["next", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh", "twelfth"];
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
  return names.length < 2 ? names.join("") : names.slice(0, -1).join(", ") + " and " + names[names.length - 1];
}
function nameOf(p) { return p.id === R.me().id ? "you" : p.name; }
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
  else note.textContent = "Not connected just now. Please try again in a moment.";
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
el("legend", null, "Your number, from 1 to 5", scale);
var choices = el("div", "round-choices", null, scale);
for (var n = 1; n <= 5; n++) {
  var choice = el("label", null, null, choices);
  var radio = el("input", null, null, choice);
  radio.type = "radio";
  radio.name = "session-score";
  radio.value = n;
  choice.append(String(n));
}
var words = field(form, "A word or a few (optional)", el("input"));
words.type = "text";
words.maxLength = 140;
words.autocomplete = "off";
var formRow = el("div", "button-row", null, form);
el("button", "button button-small", "Share", formRow).type = "submit";
button(formRow, "Pass", { type: "round.answer", pass: true }, true);
form.addEventListener("submit", function (e) {
  e.preventDefault();
  var picked = form.querySelector("input:checked");
  var frame = { type: "round.answer", words: words.value.trim() };
  if (picked) frame.score = Number(picked.value);
  if (picked || frame.words) act(frame);
  else note.textContent = "Please choose a number or write a word, or pass.";
});

var answers = el("ul", "round-answers", null, round);
answers.setAttribute("aria-label", "Answers");
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
var passIt = button(pieceRow, "I'm done — pass the piece", { type: "piece.pass" });
var ask = button(pieceRow, "Ask for a turn", { type: "piece.ask" });
var skip = button(pieceRow, "Skip my turn", { type: "piece.skip" }, true);

if (keeper) {
  // One row: the round's controls while a round is open, else the ones that open a round.
  var controls = el("div", "button-row session-controls", null, box);
  var next = button(controls, "Next person", { type: "piece.move", step: "next" });
  var back = button(controls, "Back", { type: "piece.move", step: "back" }, true);
  var closeRound = button(controls, "End round", { type: "round.close" }, true);
  var opens = [
    button(controls, "Check-in", { type: "round.open", kind: "check_in" }),
    el("details", "session-more", null, controls),
    button(controls, "Check-out", { type: "round.open", kind: "check_out" })
  ];
  var endSession = button(controls, "End session", { type: "session.end" }, true);
  el("summary", null, "Talking piece", opens[1]);
  var pieceForm = el("form", "session-form", null, opens[1]);
  var how = field(pieceForm, "Order of turns", el("select"));
  [["joined", "As people joined"], ["random", "Random"], ["volunteers", "Volunteers first"]].forEach(function (o) {
    el("option", null, o[1], how).value = o[0];
  });
  var turnMinutes = field(pieceForm, "Minutes for each turn (optional)", number(0, 15, 0.5));
  el("button", "button button-small", "Start the talking piece", pieceForm).type = "submit";
  pieceForm.addEventListener("submit", function (e) {
    e.preventDefault();
    var frame = { type: "round.open", kind: "talking_piece", order: how.value };
    var seconds = Math.round(Number(turnMinutes.value) * 60);
    if (seconds) frame.turn_seconds = seconds;
    opens[1].open = false;
    act(frame);
  });

  var adding = el("div", "session-form", null, box);
  var addWho = field(adding, "Someone to add to the order", el("select"));
  button(adding, "Add someone", function () { return { type: "piece.add", member: Number(addWho.value) }; }, true);

  var start = el("details", "session-more", null, box);
  el("summary", null, "Start a session", start);
  var startForm = el("form", "session-form", null, start);
  var minutes = field(startForm, "Length in minutes", number(10, 240, 5, 60));
  el("button", "button button-small", "Start the session", startForm).type = "submit";
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
function yourTurn(at) { return "your turn is " + (at === 1 ? "next" : ORDINALS[at - 1] + " from now"); }

function said(a, sep) { return [a.score, a.words].filter(function (x) { return x !== null && x !== ""; }).join(sep); }
function answerText(a) { return a.member.name + (a.passed ? " passed." : ": " + said(a, ", ") + "."); }

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
    phase.textContent = PHASES[s.phase] || "Session";
    var names = s.facilitators.map(nameOf);
    var line = names.length ? list(names) + (names.length > 1 || names[0] === "you" ? " are" : " is") + " facilitating" : "";
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
    el("b", null, a.member.name, li);
    li.append(a.passed ? " passed" : " " + said(a, " · "));
  });
  show(answers, check && r.answers.length > 0);
  var w = check && r.waiting, g = check && r.aggregate;
  show(waiting, !!w);
  if (w) waiting.textContent = w.length ? "Waiting for: " + list(w.map(nameOf)) : "Everyone here has answered.";
  show(totals, !!g);
  if (g) {
    totals.textContent = !r.answers.length ? "No answers yet."
      : (g.average === null ? "No numbers yet" : "Average " + g.average) + " · " + g.answered + " answered, " + g.passed + " passed" +
        (g.average === null ? "" : " · " + Object.keys(g.counts).map(function (k) { return k + ": " + g.counts[k]; }).join(", "));
  }

  // The talking piece: who holds it, who follows, where I stand.
  var holder = piece && r.holder, mineNow = !!holder && holder.id === me.id, at = piece ? inOrder(r) : 0;
  show(order, piece);
  show(place, piece && (mineNow || at > 0 || !keeper));
  if (piece) {
    var then = r.order.slice(r.position + 1).map(nameOf);
    order.textContent = holder
      ? (mineNow ? "You are sharing" : holder.name + " is sharing") + (then.length ? " · then " + then.join(", ") : "")
      : (r.order.length && r.position >= r.order.length ? "Everyone has had a turn. " : "") + "The piece is resting in the middle.";
    place.textContent = mineNow ? "You hold the piece. Share when you're ready, then pass it on."
      : at ? "Your turn is " + (at === 1 ? "next." : ORDINALS[at - 1] + " from now.")
      : "You're not in the order. You can ask for a turn.";
  }
  show(pieceRow, piece);
  show(passIt, mineNow);
  show(skip, at > 0);
  show(ask, piece && !keeper && !mineNow && !at);

  // While someone else holds the piece, a member's Send waits (the server refuses too).
  var held = piece && !keeper && !mineNow;
  R.hold(held);
  composerNote.textContent = held ? (holder ? holder.name + " is sharing; " : "The piece is resting in the middle; ") + (at ? yourTurn(at) : "you can ask for a turn") + "." : "";
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
  clock.textContent = left > 0 ? left + (left === 1 ? " minute left" : " minutes left") : "A few minutes over";
  var r = state.round;
  var timed = !!(r && r.holder && r.turn_ends_at);
  show(turn, timed);
  if (!timed) return;
  var s = (new Date(r.turn_ends_at) - Date.now()) / 1000;
  turnText.textContent = s > 90 ? "About " + Math.round(s / 60) + " minutes left in this turn"
    : s > 45 ? "About a minute left in this turn"
    : s > 0 ? "Less than a minute left in this turn" : "This turn's time is over; the piece passes on.";
  meterFill.style.width = Math.max(0, Math.min(100, s / r.turn_seconds * 100)) + "%";
}
setInterval(tick, 5000);

// What changed, in one polite sentence for screen readers (never the minute's tick).
function news(old, s) {
  if (!s) return old ? "The session has ended. Thank you for being here." : "";
  var r = s.round, o = old && old.round;
  if (!old) return "A session has begun. " + who.textContent + ".";
  if (!r) return o ? "The round has ended. Open conversation." : "";
  var holder = r.kind === "talking_piece" && (r.holder ? (r.holder.id === R.me().id ? "The piece is with you." : r.holder.name + " is sharing.") : "The piece is resting in the middle.");
  if (!o || o.id !== r.id) return OPENED[r.kind] + r.prompt + (holder ? " " + holder : "");
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
