/*
 * The centre's chat widget: one <script> tag on any page.
 *
 *   <script src="https://chat.example.org/widget/iop-chat.js" defer
 *           data-server-url="https://chat.example.org"
 *           data-title="Questions about treatment?"
 *           data-primary-color="#1f5f8b"
 *           data-opening-message="Hi! Ask me about our programs."
 *           data-position="right"></script>
 *
 * It talks to the Rasa server's REST channel (channels/rest_with_disclaimer.py),
 * which ends every turn with the not-medical-advice disclaimer and marks it,
 * so that it shows as small print here. Facts the widget needs while the
 * assistant is unreachable (the centre's phone, the crisis lines) come from
 * config.json beside this script, rendered from knowledge/ by the server that
 * serves it: the widget hard-codes none of them.
 *
 * During a live handoff (docs/handoff.md: a person from admissions has the
 * chat) it polls GET conversations/<id>/handoff for what the person writes,
 * one request at a time, and shows it marked as a person's.
 *
 * Safety rules kept throughout: no text, from the visitor or the bot, is ever
 * parsed as HTML (everything is built with createElement/textContent), and
 * link targets are limited to http(s), tel, sms and mailto.
 *
 * No dependencies, no build step: plain ES2017 that current browsers run.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || window.__iopChatLoaded) return;
  window.__iopChatLoaded = true;

  var ASSET_BASE = new URL(".", script.src).href;
  var SETTINGS = readSettings(script.dataset);
  var STORAGE_KEY = "iop-chat:v1:" + SETTINGS.serverUrl;
  var REQUEST_TIMEOUT_MS = 30000;
  var MAX_MESSAGE_CHARS = 20000; // as the REST channel (channels/rest_with_disclaimer.py)
  var LINK_PROTOCOLS = ["http:", "https:", "tel:", "sms:", "mailto:"];

  function readSettings(data) {
    var serverUrl = (data.serverUrl || "").replace(/\/+$/, "");
    return {
      serverUrl: serverUrl,
      webhook: serverUrl + "/webhooks/rest/webhook",
      conversations: serverUrl + "/webhooks/rest/conversations",
      title: data.title || "Questions about treatment?",
      color: /^#[0-9a-f]{6}$/i.test(data.primaryColor || "") ? data.primaryColor : "#1f5f8b",
      opening:
        data.openingMessage ||
        "Hi! I can explain the levels of care and what an intensive outpatient program (IOP) involves, or ask our admissions team to call you.",
      position: data.position === "left" ? "left" : "right",
      // sessionStorage (default): the conversation survives reloads and moving
      // between pages, and is gone when the tab closes, which matters on a
      // shared family computer. "local" keeps it across tabs and restarts.
      storage: data.storage === "local" ? "local" : "session",
      // With "local", how long a conversation is kept in the browser after
      // its last message (days; 7 by default).
      keepDays: Math.max(1, Math.min(365, parseInt(data.keepDays, 10) || 7)),
    };
  }

  // ---------------------------------------------------------------- state --

  var store = pickStorage(SETTINGS.storage);
  var state = loadState();
  var config = { clinic: null, crisis: [], disclaimer: "" };
  var queue = Promise.resolve();
  var ui = { nodes: [] };

  function pickStorage(kind) {
    try {
      var candidate = kind === "local" ? window.localStorage : window.sessionStorage;
      candidate.setItem("iop-chat:probe", "1");
      candidate.removeItem("iop-chat:probe");
      return candidate;
    } catch (blocked) {
      return null; // storage disabled: the widget still works, for this page only
    }
  }

  // The server hands out the conversation: its id and a token that proves the
  // conversation is ours (README, "Writing a client"). Both are kept with the
  // transcript; until the first message there is neither.
  function freshState() {
    return { sender: null, token: null, open: false, draft: "", entries: [], handoff: null };
  }

  // A live handoff (docs/handoff.md): {state: "waiting" | "live" | "none",
  // staff: the staff member's name, last: the id of the last message shown}.
  // Kept with the transcript, in the same write, so that a reload resumes the
  // polling where it stopped: no message shown twice, none lost.
  function validHandoff(saved) {
    if (!saved || typeof saved !== "object" || typeof saved.last !== "number") return null;
    var known = ["waiting", "live", "none"].indexOf(saved.state) >= 0;
    return { state: known ? saved.state : "none", staff: typeof saved.staff === "string" ? saved.staff : null, last: saved.last };
  }

  function loadState() {
    try {
      var saved = store && JSON.parse(store.getItem(STORAGE_KEY));
      if (!saved || typeof saved !== "object") return freshState();
      // No conversation yet (nothing sent since "Start over"), or one with its
      // token. One without a token (saved by an older widget) can't be
      // continued: the server would refuse it.
      var started = typeof saved.sender === "string" && typeof saved.token === "string";
      var notYet = saved.sender === null && saved.token === null;
      var expired = SETTINGS.storage === "local" && !(Date.now() - saved.savedAt < SETTINGS.keepDays * 86400000);
      if (expired) {
        store.removeItem(STORAGE_KEY);
        return freshState();
      }
      if ((started || notYet) && Array.isArray(saved.entries)) {
        saved.handoff = started ? validHandoff(saved.handoff) : null;
        return saved;
      }
    } catch (corrupt) { /* start again below */ }
    return freshState();
  }

  // What the visitor typed into a form (their name, phone number, triage
  // answers) and the summary that repeats it stay in this page's memory only:
  // browser storage outlives the page, and a shared family computer keeps it.
  // After a reload those bubbles say the answer was not kept.
  var FORM_QUESTION = /^utter_ask_(callback|triage)_/;
  var PRIVATE_REPLIES = ["utter_callback_summary"];

  function asksFormQuestion(entry) {
    return entry && entry.kind === "bot" && entry.messages.some(function (m) { return FORM_QUESTION.test(m.response || ""); });
  }

  function forStorage(entry) {
    if (entry.kind === "user" && entry.formAnswer) {
      return { kind: "user", text: "", hidden: true, status: entry.status === "sending" ? "failed" : entry.status };
    }
    if (entry.kind === "bot" && entry.messages.some(function (m) { return PRIVATE_REPLIES.indexOf(m.response) >= 0; })) {
      return { kind: "bot", hidden: true, messages: [], disclaimer: entry.disclaimer, chosen: entry.chosen };
    }
    return entry;
  }

  function saveState() {
    if (!store) return;
    var last = state.entries[state.entries.length - 1];
    var kept = {
      sender: state.sender, token: state.token, open: state.open, savedAt: Date.now(),
      draft: asksFormQuestion(last) ? "" : state.draft,  // half-typed answers stay in memory too
      entries: state.entries.map(forStorage),
      handoff: state.handoff,
    };
    try { store.setItem(STORAGE_KEY, JSON.stringify(kept)); } catch (full) { /* keep going in memory */ }
  }

  // An entry is one thing in the transcript:
  //   {kind: "user", text, status: "sent" | "sending" | "failed"}
  //   {kind: "bot", messages: [...Rasa messages], disclaimer, chosen: payload or null}
  //        during a handoff also hid (the first message's id in the handoff
  //        line) and, for what a staff member wrote, staff (their name)
  //   {kind: "opening"}    the opening message, written by the widget itself

  // ------------------------------------------------------------ rendering --

  function el(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      var value = attributes[name];
      if (value === null || value === undefined || value === false) return;
      if (name === "text") node.textContent = value;
      else if (name === "className") node.className = value;
      else if (name.slice(0, 2) === "on") node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : value);
    });
    (children || []).forEach(function (child) {
      if (child) node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function safeHref(href) {
    try {
      var url = new URL(href, window.location.href);
      return LINK_PROTOCOLS.indexOf(url.protocol) >= 0 ? url.href : null;
    } catch (invalid) {
      return null;
    }
  }

  function link(href, label, extra) {
    var target = safeHref(href);
    if (!target) return document.createTextNode(label);
    var external = /^https?:/.test(target);
    return el("a", Object.assign({
      href: target,
      target: external ? "_blank" : null,
      rel: external ? "noopener noreferrer" : null,
      text: label,
    }, extra || {}));
  }

  // Inline markdown: **bold**, [label](url), bare https:// links, and the
  // centre's phone number as a tap-to-call link. Everything else is text.
  function inline(text) {
    var fragment = document.createDocumentFragment();
    var patterns = [/\*\*([^*]+)\*\*/, /\[([^\]]+)\]\(([^)\s]+)\)/, /https?:\/\/[^\s<>"')]+[^\s<>"').,;:!?]/];
    var phone = config.clinic && config.clinic.phone;
    var rest = text;
    while (rest) {
      var best = null;
      patterns.forEach(function (pattern, index) {
        var match = pattern.exec(rest);
        if (match && (!best || match.index < best.match.index)) best = { match: match, type: index };
      });
      var phoneAt = phone ? rest.indexOf(phone) : -1;
      if (phoneAt >= 0 && (!best || phoneAt < best.match.index)) {
        fragment.appendChild(document.createTextNode(rest.slice(0, phoneAt)));
        fragment.appendChild(link("tel:" + config.clinic.phone_e164, phone));
        rest = rest.slice(phoneAt + phone.length);
        continue;
      }
      if (!best) break;
      var match = best.match;
      fragment.appendChild(document.createTextNode(rest.slice(0, match.index)));
      if (best.type === 0) fragment.appendChild(el("strong", {}, [inline(match[1])]));
      else if (best.type === 1) fragment.appendChild(link(match[2], match[1]));
      else fragment.appendChild(link(match[0], match[0]));
      rest = rest.slice(match.index + match[0].length);
    }
    if (rest) fragment.appendChild(document.createTextNode(rest));
    return fragment;
  }

  // Block markdown: paragraphs, line breaks, "- " and "1. " lists.
  function markdown(text) {
    var fragment = document.createDocumentFragment();
    text.split(/\n{2,}/).forEach(function (block) {
      var list = null;
      var paragraph = null;
      block.split("\n").forEach(function (line) {
        var bullet = /^\s*[-*\u2022]\s+(.*)$/.exec(line);
        var numbered = /^\s*\d+[.)]\s+(.*)$/.exec(line);
        var item = bullet || numbered;
        if (item) {
          var tag = bullet ? "ul" : "ol";
          if (!list || list.tagName.toLowerCase() !== tag) {
            list = el(tag);
            fragment.appendChild(list);
          }
          list.appendChild(el("li", {}, [inline(item[1])]));
          paragraph = null;
          return;
        }
        list = null;
        if (!line.trim()) return;
        if (paragraph) paragraph.appendChild(el("br"));
        else {
          paragraph = el("p");
          fragment.appendChild(paragraph);
        }
        paragraph.appendChild(inline(line));
      });
    });
    return fragment;
  }

  function crisisLinks(resources) {
    var items = [];
    (resources || []).forEach(function (resource) {
      if (resource.tel) items.push(link("tel:" + resource.tel, "Call " + resource.number, { "aria-label": "Call " + resource.number + ": " + resource.label }));
      if (resource.sms) items.push(link("sms:" + resource.sms, "Text " + resource.number, { "aria-label": "Text " + resource.number + ": " + resource.label }));
      if (resource.url) items.push(link(resource.url, "Chat at " + resource.url.replace(/^https?:\/\//, "").replace(/\/$/, "")));
    });
    return el("div", { className: "iop-crisis-actions" }, items);
  }

  function withoutDisclaimer(message, disclaimer) {
    var text = message.text || "";
    if (disclaimer && text.slice(-disclaimer.length) === disclaimer) {
      text = text.slice(0, -disclaimer.length).replace(/\s+$/, "");
    }
    return text;
  }

  function renderBotEntry(entry) {
    var crisis = entry.messages.filter(function (m) { return m.custom && m.custom.crisis === true; })[0];
    var nodes = crisis ? [renderCrisis(entry, crisis.custom.resources)] : [];
    if (entry.hidden) {
      nodes.push(el("div", { className: "iop-bubble iop-bot" }, [el("em", { text: "(the summary of your answers isn't kept in this browser)" })]));
    }
    entry.messages.forEach(function (message) {
      var text = withoutDisclaimer(message, entry.disclaimer);
      if (!crisis && (text || message.image)) {
        nodes.push(el("div", { className: "iop-bubble iop-bot" + (entry.staff !== undefined ? " iop-staff" : "") }, [
          // A person's words say whose they are, in text everyone sees.
          entry.staff !== undefined
            ? el("span", { className: "iop-staff-label", text: (entry.staff || "Staff") + " \u00B7 Admissions team" })
            : el("span", { className: "iop-visually-hidden", text: "Assistant: " }),
          text ? markdown(text) : null,
          message.image ? link(message.image, "Open the image") : null,
        ]));
      }
      if (message.buttons && message.buttons.length) nodes.push(renderButtons(message.buttons, entry));
    });
    if (entry.disclaimer) nodes.push(el("p", { className: "iop-disclaimer", text: entry.disclaimer }));
    return el("div", { className: "iop-turn" }, nodes);
  }

  // A crisis reply arrives as several messages (Rasa splits paragraphs); it
  // is shown as one urgent card, with the numbers as tap-to-call/text links.
  function renderCrisis(entry, resources) {
    var children = [
      el("span", { className: "iop-visually-hidden", text: "Assistant, urgent: " }),
      el("strong", { className: "iop-crisis-title", text: "Help is available now" }),
    ];
    entry.messages.forEach(function (message) {
      var text = withoutDisclaimer(message, entry.disclaimer);
      if (text) children.push(markdown(text));
    });
    children.push(crisisLinks(resources));
    return el("div", { className: "iop-bubble iop-bot iop-crisis" }, children);
  }

  // Quick replies work once, on the latest turn only; refreshButtons() keeps
  // them in step with the state without rebuilding (and re-announcing) the turn.
  function renderButtons(buttons, entry) {
    return el("div", { className: "iop-quick-replies", role: "group", "aria-label": "Suggested replies" },
      buttons.map(function (button) {
        var node = el("button", {
          type: "button",
          className: "iop-quick-reply",
          text: button.title,
          onclick: function () {
            if (entry.chosen !== null && entry.chosen !== undefined) return;
            entry.chosen = button.payload;
            send(button.payload, button.title);
            ui.input.focus(); // the pressed button is now disabled: keep keyboard users in the conversation
          },
        });
        node.iopPayload = button.payload;
        return node;
      }));
  }

  function refreshButtons() {
    state.entries.forEach(function (entry, index) {
      if (entry.kind !== "bot" || !ui.nodes[index]) return;
      var answered = entry.chosen !== null && entry.chosen !== undefined;
      var latest = index === state.entries.length - 1;
      ui.nodes[index].node.querySelectorAll(".iop-quick-reply").forEach(function (button) {
        var chosen = answered && button.iopPayload === entry.chosen;
        button.disabled = answered || !latest;
        button.classList.toggle("iop-chosen", chosen);
        if (chosen) button.setAttribute("aria-pressed", "true");
        else button.removeAttribute("aria-pressed");
      });
    });
  }

  var NOT_KEPT = "(your answer isn't kept in this browser)";

  function renderUserEntry(entry, index) {
    var shown = entry.hidden ? el("em", { text: NOT_KEPT }) : document.createTextNode(entry.text);
    var children = [el("span", { className: "iop-visually-hidden", text: "You: " }), shown];
    var bubble = el("div", { className: "iop-bubble iop-user" + (entry.status === "failed" ? " iop-failed" : "") }, children);
    if (entry.status !== "failed" || entry.hidden) return bubble;  // a hidden answer can't be resent
    return el("div", { className: "iop-turn" }, [bubble, renderOffline(index)]);
  }

  function renderOffline(index) {
    var clinic = config.clinic;
    var lifeline = config.crisis.filter(function (r) { return r.id === "lifeline"; })[0];
    var emergency = config.crisis.filter(function (r) { return r.id === "emergency"; })[0];
    var parts = [el("strong", { text: "Not sent: the assistant can't be reached right now." }), " "];
    if (clinic) parts.push("Please try again, or call our admissions team at ", link("tel:" + clinic.phone_e164, clinic.phone), ". ");
    else parts.push("Please try again in a moment. ");
    if (lifeline && emergency) {
      parts.push("If you are in crisis, call or text ", link("tel:" + lifeline.tel, lifeline.number),
        "; in an emergency, call ", link("tel:" + emergency.tel, emergency.number), ".");
    }
    return el("div", { className: "iop-offline", role: "alert" }, [
      el("p", {}, parts),
      el("button", { type: "button", className: "iop-retry", text: "Try again", onclick: function () { retry(index); } }),
    ]);
  }

  function renderOpening() {
    return el("div", { className: "iop-turn" }, [
      el("div", { className: "iop-bubble iop-bot" }, [el("span", { className: "iop-visually-hidden", text: "Assistant: " }), markdown(SETTINGS.opening)]),
      config.disclaimer ? el("p", { className: "iop-disclaimer", text: config.disclaimer }) : null,
    ]);
  }

  function renderEntry(entry, index) {
    if (entry.kind === "user") return renderUserEntry(entry, index);
    if (entry.kind === "bot") return renderBotEntry(entry, index);
    return renderOpening();
  }

  // What an entry looks like; a node is rebuilt only when this changes, so
  // the live region announces new messages and not the whole transcript.
  function entryKey(entry) {
    if (entry.kind === "user") return "user:" + (entry.status === "failed" ? "failed:" : "") + entry.text;
    return entry.kind + (entry.hid ? ":" + entry.hid : "");
  }

  function renderLog() {
    state.entries.forEach(function (entry, index) {
      var key = entryKey(entry);
      var current = ui.nodes[index];
      if (current && current.key === key) return;
      var node = renderEntry(entry, index);
      if (current) ui.log.replaceChild(node, current.node);
      else ui.log.appendChild(node);
      ui.nodes[index] = { key: key, node: node };
    });
    ui.nodes.splice(state.entries.length).forEach(function (gone) { gone.node.remove(); });
    state.entries.forEach(function (entry, index) {
      if (entry.kind === "user" && ui.nodes[index]) {
        ui.nodes[index].node.classList.toggle("iop-pending", entry.status === "sending");
      }
    });
    refreshButtons();
    showHandoffStatus();
    ui.log.scrollTop = ui.log.scrollHeight;
  }

  // ------------------------------------------------------------- talking --

  function postJson(url, body, token) {
    return requestJson(url, body, token, REQUEST_TIMEOUT_MS);
  }

  // A POST with a JSON body, or a GET without one: {status, body}.
  function requestJson(url, body, token, timeout) {
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, timeout);
    var headers = body ? { "Content-Type": "application/json" } : {};
    if (token) headers.Authorization = "Bearer " + token;
    return fetch(url, {
      method: body ? "POST" : "GET",
      headers: headers,
      body: body ? JSON.stringify(body) : undefined,
      signal: controller.signal,
      credentials: "omit",
      cache: "no-store",
    }).then(function (reply) {
      return reply.json().catch(function () { return null; }).then(function (parsed) {
        return { status: reply.status, body: parsed };
      });
    }).finally(function () { clearTimeout(timer); });
  }

  function keepConversation(reply) {
    if (reply.status !== 200 || !reply.body || !reply.body.token) throw new Error("HTTP " + reply.status);
    state.sender = reply.body.sender;
    state.token = reply.body.token;
    saveState();
  }

  function newConversation() {
    return postJson(SETTINGS.conversations, {}).then(keepConversation);
  }

  // An expired token is exchanged for a fresh one; the conversation goes on.
  // Past the renewal window (a week) the server says no: start a new one.
  function renewToken() {
    return postJson(SETTINGS.conversations, { sender: state.sender }, state.token).then(function (reply) {
      return reply.status === 403 ? newConversation() : keepConversation(reply);
    });
  }

  function TooFast(messages) { this.messages = messages; }

  function wasDeleted(messages) {
    return Array.isArray(messages) && messages.some(function (m) { return m.custom && m.custom.conversation_deleted; });
  }

  function postToAssistant(message, retried) {
    var ready = state.token ? Promise.resolve() : newConversation();
    return ready.then(function () {
      return postJson(SETTINGS.webhook, { sender: state.sender, message: message }, state.token);
    }).then(function (reply) {
      if (reply.status === 200) return reply.body;
      if (reply.status === 429) throw new TooFast((reply.body && reply.body.messages) || []);
      if (reply.status === 403 && !retried) {
        var code = reply.body && reply.body.code;
        // Expired: renew. Not valid any more (the server's secret changed):
        // the old conversation is closed to us, so start a new one.
        var again = code === "token_expired" ? renewToken() : newConversation();
        return again.then(function () { return postToAssistant(message, true); });
      }
      throw new Error("HTTP " + reply.status);
    });
  }

  function deliver(entry, payload) {
    entry.status = "sending";
    saveState();
    renderLog();
    // While a person has the conversation, the bot doesn't answer: no dots.
    if (!handoffOpen()) setTyping(true);
    function showTurn(messages) {
      var list = Array.isArray(messages) ? messages : [];
      // During a handoff the reply is [] (the message went to the staff
      // member): that is success, with nothing to show.
      if (!list.length) return;
      var marked = list.filter(function (m) { return m.disclaimer; })[0];
      state.entries.push({ kind: "bot", messages: list, disclaimer: marked ? marked.disclaimer : "", chosen: null });
      // The reply to "Chat with our admissions team now" opens a handoff.
      if (list.some(function (m) { return m.custom && (m.custom.handoff === "waiting" || m.custom.handoff === "live"); })) {
        var last = state.handoff ? state.handoff.last : 0;
        if (!handoffOpen()) state.handoff = { state: "waiting", staff: null, last: last };
        poll.delay = POLL_MS;
        schedulePoll(0);
      }
    }
    return postToAssistant(payload).then(function (messages) {
      entry.status = "sent";
      if (wasDeleted(messages)) {
        // The person asked for the conversation to be deleted and the server
        // erased it: forget it here too (transcript, id and token), keeping
        // only the reply that says so.
        var open = state.open;
        state = freshState();
        state.open = open;
        state.entries.push({ kind: "opening" });
      }
      showTurn(messages);
    }, function (problem) {
      // Sent too fast: the message wasn't read. It can be sent again, and
      // the server's reply says so.
      entry.status = "failed";
      if (problem instanceof TooFast) showTurn(problem.messages);
    }).then(function () {
      setTyping(false);
      saveState();
      renderLog();
    });
  }

  // ------------------------------------------------------------- handoff --

  // While a handoff is open the widget asks the assistant for what the staff
  // member (and the assistant, for the join, timeout and hand-back messages)
  // said since the last message shown. Gently: one request at a time, every
  // POLL_MS, backing off to POLL_MAX_MS on errors, not at all while the tab
  // is hidden (it catches up when it is shown again).
  var POLL_MS = 2000;
  var POLL_MAX_MS = 30000;
  var POLL_TIMEOUT_MS = 15000;
  var poll = { timer: null, busy: false, delay: POLL_MS };

  function handoffOpen() {
    return !!(state.handoff && state.handoff.state !== "none" && state.sender && state.token);
  }

  function schedulePoll(wait) {
    clearTimeout(poll.timer);
    poll.timer = null;
    if (!handoffOpen() || poll.busy || document.visibilityState === "hidden") return;
    poll.timer = setTimeout(pollHandoff, wait);
  }

  function handoffUrl() {
    return SETTINGS.conversations + "/" + encodeURIComponent(state.sender) + "/handoff?after=" + state.handoff.last;
  }

  function fetchHandoff(renewed) {
    var sender = state.sender;
    return requestJson(handoffUrl(), null, state.token, POLL_TIMEOUT_MS).then(function (reply) {
      if (reply.status === 403 && !renewed && reply.body && reply.body.code === "token_expired" && state.sender === sender) {
        // Renewed as for messages; if the renewal is refused too, the
        // conversation can't be followed any more: stop (no new one here).
        return postJson(SETTINGS.conversations, { sender: sender }, state.token).then(function (renewal) {
          if (renewal.status !== 200) return { status: 403, body: null };
          if (state.sender === sender) keepConversation(renewal);
          return fetchHandoff(true);
        });
      }
      return reply;
    });
  }

  function pollHandoff() {
    poll.timer = null;
    if (!handoffOpen() || poll.busy || document.visibilityState === "hidden") return;
    poll.busy = true;
    var sender = state.sender;
    fetchHandoff(false).then(function (reply) {
      if (state.sender !== sender || !handoffOpen()) return;  // started over meanwhile
      if (reply.status === 403) {
        state.handoff.state = "none";
      } else if (reply.status === 200 && reply.body && Array.isArray(reply.body.messages)) {
        var before = state.entries.length;
        showHandoff(reply.body);
        if (state.entries.length > before && ui.panel.hidden) markUnread(true);
        poll.delay = POLL_MS;
      } else {
        // Polling too fast (several visitors behind one address): wait as told.
        var wait = reply.status === 429 && reply.body && Number(reply.body.retry_after) * 1000;
        throw { wait: wait || 0 };
      }
      saveState();
      renderLog();
    }).catch(function (problem) {
      poll.delay = Math.min(POLL_MAX_MS, Math.max(poll.delay * 2, (problem && problem.wait) || 0));
    }).then(function () {
      poll.busy = false;
      showHandoffStatus();
      schedulePoll(poll.delay);
    });
  }

  // The messages of a poll as transcript entries: each staff message is its
  // own bubble; the assistant's run together up to the one ending with the
  // disclaimer (the end of its turn), so a crisis reply is one card.
  function showHandoff(body) {
    var handoff = state.handoff;
    var open = null;
    body.messages.forEach(function (message) {
      if (!message || typeof message.id !== "number" || message.id <= handoff.last) return;  // shown already
      handoff.last = message.id;
      if (message.author === "staff") {
        open = null;
        state.entries.push({ kind: "bot", hid: message.id, staff: message.staff_name || handoff.staff || "", messages: [message], disclaimer: "", chosen: null });
        return;
      }
      if (!open) {
        open = { kind: "bot", hid: message.id, messages: [], disclaimer: "", chosen: null };
        state.entries.push(open);
      }
      open.messages.push(message);
      if (message.disclaimer) {
        open.disclaimer = message.disclaimer;
        open = null;
      }
    });
    if (typeof body.last === "number" && body.last > handoff.last) handoff.last = body.last;
    handoff.state = ["waiting", "live"].indexOf(body.state) >= 0 ? body.state : "none";
    handoff.staff = typeof body.staff_name === "string" ? body.staff_name : null;
  }

  // Something new from the team while the panel is closed: the launcher says so.
  function markUnread(on) {
    ui.launcher.classList.toggle("iop-unread", on);
    ui.launcher.setAttribute("aria-label", "Open chat: " + SETTINGS.title + (on ? " (new message)" : ""));
  }

  function showHandoffStatus() {
    if (!ui.status) return;
    var handoff = handoffOpen() ? state.handoff : null;
    var text = !handoff ? "" : handoff.state === "waiting"
      ? "Waiting for someone from our admissions team\u2026"
      : "You're chatting with " + (handoff.staff || "someone") + " from admissions";
    ui.status.hidden = !text;
    if (ui.status.textContent !== text) ui.status.textContent = text;
  }

  // Messages go out one at a time, in order: a reply belongs to its message.
  function send(payload, shownText) {
    var entry = { kind: "user", text: shownText || payload, payload: payload, status: "sending" };
    if (asksFormQuestion(state.entries[state.entries.length - 1])) entry.formAnswer = true;
    state.entries.push(entry);
    queue = queue.then(function () { return deliver(entry, payload); });
    return queue;
  }

  function retry(index) {
    var entry = state.entries[index];
    if (!entry || entry.status !== "failed" || entry.hidden) return;  // a hidden answer can't be resent: type it again
    queue = queue.then(function () { return deliver(entry, entry.payload || entry.text); });
  }

  function setTyping(on) {
    ui.typing.hidden = !on;
    ui.panel.setAttribute("aria-busy", on ? "true" : "false");
    if (on) ui.log.scrollTop = ui.log.scrollHeight;
  }

  function submitDraft() {
    var text = ui.input.value.trim();
    if (!text) return;
    ui.input.value = "";
    state.draft = "";
    send(text.slice(0, MAX_MESSAGE_CHARS));
  }

  function startOver() {
    var wasOpen = state.open;
    if (handoffOpen()) {
      // Tell the team the visitor has gone, so no one types to an empty room
      // (best effort: unanswered, the wait or the staff member ends it).
      requestJson(SETTINGS.conversations + "/" + encodeURIComponent(state.sender) + "/handoff/end", {}, state.token,
        POLL_TIMEOUT_MS).catch(function () {});
    }
    state = freshState();
    state.open = wasOpen;
    state.entries.push({ kind: "opening" });
    saveState();
    renderLog();
    ui.input.value = "";
    ui.input.focus();
  }

  // ------------------------------------------------------------ the shell --

  function setOpen(open, options) {
    state.open = open;
    if (open && !state.entries.length) state.entries.push({ kind: "opening" });
    saveState();
    ui.panel.hidden = !open;
    ui.launcher.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) {
      markUnread(false);
      renderLog();
      if (!options || options.focus !== false) ui.input.focus();
    } else if (!options || options.focus !== false) {
      ui.launcher.focus();
    }
  }

  // White or near-black text on the configured colour, whichever contrasts
  // more: one of them always passes WCAG AA (4.5:1) for normal text.
  function readableOn(hex) {
    function channel(i) {
      var c = parseInt(hex.substr(i, 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    }
    var luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
    return (1.05 / (luminance + 0.05)) >= ((luminance + 0.05) / 0.05) ? "#ffffff" : "#111111";
  }

  function build() {
    var host = el("div", { id: "iop-chat", className: "iop-chat-host" });
    var root = host.attachShadow({ mode: "open" });
    host.style.setProperty("--iop-primary", SETTINGS.color);
    host.style.setProperty("--iop-on-primary", readableOn(SETTINGS.color));

    var stylesheet = el("link", { rel: "stylesheet", href: ASSET_BASE + "iop-chat.css" });
    var titleId = "iop-chat-title";
    ui.launcher = el("button", {
      type: "button",
      className: "iop-launcher iop-" + SETTINGS.position,
      "aria-expanded": "false",
      "aria-controls": "iop-chat-panel",
      "aria-label": "Open chat: " + SETTINGS.title,
      onclick: function () { setOpen(ui.panel.hidden); },
    }, [el("span", { className: "iop-launcher-icon", "aria-hidden": "true", text: "\uD83D\uDCAC" }), el("span", { className: "iop-launcher-text", text: "Chat" })]);

    ui.log = el("div", { className: "iop-log", role: "log", "aria-live": "polite", "aria-relevant": "additions", "aria-label": "Conversation", tabindex: "0" });
    ui.typing = el("div", { className: "iop-typing", role: "status", hidden: true }, [
      el("span", { className: "iop-visually-hidden", text: "The assistant is typing" }),
      el("span", { className: "iop-dot", "aria-hidden": "true" }), el("span", { className: "iop-dot", "aria-hidden": "true" }), el("span", { className: "iop-dot", "aria-hidden": "true" }),
    ]);
    ui.status = el("p", { className: "iop-handoff-status", "aria-live": "polite", hidden: true });
    ui.input = el("textarea", {
      id: "iop-chat-input", className: "iop-input", rows: "1", maxlength: String(MAX_MESSAGE_CHARS),
      placeholder: "Type your question", "aria-label": "Your message", autocomplete: "off",
      onkeydown: function (event) {
        if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
          event.preventDefault();
          submitDraft();
        }
      },
      oninput: function () { state.draft = ui.input.value; saveState(); },
    });
    ui.input.value = state.draft || "";
    var form = el("form", { className: "iop-composer", onsubmit: function (event) { event.preventDefault(); submitDraft(); } }, [
      ui.input,
      el("button", { type: "submit", className: "iop-send", "aria-label": "Send", text: "Send" }),
    ]);
    ui.panel = el("section", {
      id: "iop-chat-panel", className: "iop-panel iop-" + SETTINGS.position, role: "dialog",
      "aria-labelledby": titleId, hidden: true,
      onkeydown: function (event) { if (event.key === "Escape") { event.stopPropagation(); setOpen(false); } },
    }, [
      el("header", { className: "iop-header" }, [
        el("h2", { id: titleId, className: "iop-title", text: SETTINGS.title }),
        el("button", { type: "button", className: "iop-start-over", text: "Start over", "aria-label": "Start over: a new conversation", onclick: startOver }),
        el("button", { type: "button", className: "iop-close", "aria-label": "Close chat", onclick: function () { setOpen(false); } }, [el("span", { "aria-hidden": "true", text: "\u00D7" })]),
      ]),
      ui.log,
      ui.status,
      ui.typing,
      form,
    ]);
    var shell = el("div", { className: "iop-shell", hidden: true }, [ui.launcher, ui.panel]);
    // Shown once the stylesheet is in, so the page never flashes raw markup.
    stylesheet.addEventListener("load", function () { shell.hidden = false; });
    stylesheet.addEventListener("error", function () { shell.hidden = false; });
    root.appendChild(stylesheet);
    root.appendChild(shell);
    document.body.appendChild(host);
  }

  function loadConfig() {
    return fetch(ASSET_BASE + "config.json", { credentials: "omit" })
      .then(function (reply) { return reply.ok ? reply.json() : null; })
      .then(function (loaded) { if (loaded) config = loaded; })
      .catch(function () { /* the widget works without it, with less help when offline */ });
  }

  function start() {
    if (!SETTINGS.serverUrl) {
      console.error("iop-chat: the script tag needs data-server-url (the assistant's address).");
      return;
    }
    build();
    loadConfig().then(function () {
      // Messages that were on their way when the visitor left the page never
      // got an answer here: offer them again rather than lose them.
      state.entries.forEach(function (entry) { if (entry.status === "sending") entry.status = "failed"; });
      if (state.open) setOpen(true, { focus: false });
      else renderLog();
      ui.panel.dataset.ready = "true";
      schedulePoll(0);  // a handoff open before the reload: catch up
    });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") {
        clearTimeout(poll.timer);
        poll.timer = null;
      } else {
        schedulePoll(0);
      }
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
