// The live chat page: every couple of seconds, ask /handoffs/<id>/live for the messages after
// the last one shown and add them (always as text: textContent, never HTML). A crisis message
// is flagged. Enter sends (Shift+Enter is a new line); a message that was not sent stays in
// the box with the reason. When the chat ends, the page says so and the composer goes.
(function () {
  "use strict";
  var list = document.getElementById("live-messages");
  if (!list) return;
  var status = document.querySelector("[data-status]");
  var notice = document.querySelector(".session-notice");
  var empty = document.querySelector("[data-empty]");
  var composer = document.getElementById("composer");
  var every = (parseInt(list.dataset.pollSeconds, 10) || 2) * 1000;
  var last = parseInt(list.dataset.last, 10) || 0;
  var timer = null;

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function bubble(message) {
    var node = element("div", "bubble " + message.author + (message.crisis ? " crisis" : ""));
    node.dataset.id = message.id;
    var who = element("div", "who", message.who + " ");
    who.appendChild(element("span", "time", message.time));
    node.appendChild(who);
    node.appendChild(element("div", "text", message.text));
    if (message.buttons && message.buttons.length) {
      var buttons = element("div", "buttons");
      message.buttons.forEach(function (title) { buttons.appendChild(element("span", "chip", title)); });
      node.appendChild(buttons);
    }
    if (message.crisis) {
      var flag = element("div", "crisis-flag", "Crisis message — the assistant sent the crisis reply");
      flag.setAttribute("role", "alert");
      node.appendChild(flag);
    }
    return node;
  }

  function ended() {
    list.dataset.ended = "1";
    Array.prototype.forEach.call(document.querySelectorAll("#composer, form.hand-back, form.take-over"), function (form) {
      form.remove();
    });
  }

  function show(data) {
    data.messages.forEach(function (message) {
      if (message.id > last && !list.querySelector("[data-id='" + message.id + "']")) {
        list.appendChild(bubble(message));
        last = message.id;
      }
    });
    last = Math.max(last, data.last || 0);
    if (empty) empty.hidden = list.children.length > 0;
    status.textContent = data.status;
    status.classList.toggle("mine", !!data.mine);
    if (data.ended) ended();
    if (data.state !== "waiting") {
      var take = document.querySelector("form.take-over");
      if (take) take.remove();
    }
    if (data.messages.length) list.lastElementChild.scrollIntoView({ block: "nearest" });
    if (data.idle_seconds_left !== null && data.idle_seconds_left < 120) {
      say("You will be logged out in about " + Math.max(1, Math.round(data.idle_seconds_left / 60)) +
          " minute(s) without activity: send a message or reload the page to stay logged in.", false);
    } else if (!notice.dataset.ended) {
      notice.hidden = true;
    }
  }

  function say(text, loginLink) {
    notice.textContent = text + " ";
    if (loginLink) {
      var link = element("a", "", "Log in again");
      link.href = list.dataset.login;
      notice.appendChild(link);
    }
    notice.hidden = false;
  }

  function poll() {
    clearTimeout(timer);
    fetch(list.dataset.live + "?after=" + last, {
      credentials: "same-origin", headers: { "Accept": "application/json" }, redirect: "manual",
    }).then(function (response) {
      if (response.status === 401 || response.type === "opaqueredirect") {
        notice.dataset.ended = "1";
        say("Your session has ended (" + list.dataset.idleMinutes + " minutes without activity, or the end of the " +
            "working day), so this chat is no longer updating.", true);
        return null;
      }
      if (!response.ok) throw new Error(String(response.status));
      return response.json();
    }).then(function (data) {
      if (!data) return;
      show(data);
      // After the end, one last look is enough: the messages it sent are all there is.
      if (!data.ended) timer = setTimeout(poll, every);
    }).catch(function () {
      say("Can't reach the staff app right now; trying again.", false);
      timer = setTimeout(poll, every * 2);
    });
  }

  if (composer) {
    var box = composer.querySelector("textarea");
    var error = composer.querySelector("[data-error]");
    var count = composer.querySelector("[data-count]");
    var max = parseInt(box.dataset.max, 10) || 4000;
    var hint = count.textContent;
    var sending = false;

    var problem = function (text) {
      error.textContent = text;
      error.hidden = !text;
    };
    box.addEventListener("input", function () {
      var length = box.value.trim().length;
      count.textContent = length > max ? length + " characters: the most is " + max + "." : hint;
      count.classList.toggle("over", length > max);
    });
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        composer.requestSubmit();
      }
    });
    composer.addEventListener("submit", function (event) {
      event.preventDefault();
      if (sending) return;
      var text = box.value.trim();
      if (!text) { problem("Type a message first: nothing was sent."); return; }
      if (text.length > max) {
        problem("Not sent: the message is " + text.length + " characters, and the most is " + max + ". Shorten it and send again.");
        return;
      }
      sending = true;
      fetch(composer.action, {
        method: "POST", body: new FormData(composer), credentials: "same-origin",
        headers: { "Accept": "application/json" }, redirect: "manual",
      }).then(function (response) {
        if (response.type === "opaqueredirect" || response.status === 401) {
          return { ok: false, error: "Not sent: your session has ended. Copy your message, log in again and send it." };
        }
        return response.json().catch(function () { return { ok: false, error: "Not sent (" + response.status + "): try again." }; });
      }).then(function (answer) {
        if (answer.ok) {
          box.value = "";
          box.dispatchEvent(new Event("input"));
          problem("");
          poll();
        } else {
          problem(answer.error);  // the text stays in the box
        }
      }).catch(function () {
        problem("Not sent: can't reach the staff app right now. Your message is still in the box; try again.");
      }).then(function () { sending = false; });
    });
  }

  if (list.dataset.ended) ended(); else timer = setTimeout(poll, every);
})();
