// The live callback queue: every few seconds, ask /callbacks/live for the rows and redraw
// the ones that changed; the live chats above them too (waiting ones with "Take over"), and
// how many colleagues are available for live chat. A row someone is working in (a focused
// field, a typed note or a chosen outcome) is left alone until they are done. When the login
// session ends, say so plainly, with a link to log in again, instead of showing a stale list.
(function () {
  "use strict";
  var queue = document.getElementById("queue");
  if (!queue) return;
  var notice = document.querySelector(".session-notice");
  var empty = document.querySelector("p.empty");
  var cutNotice = document.querySelector("p.cut-notice");
  var chats = document.getElementById("handoffs");
  var chatsSection = document.querySelector("section.live-chats");
  var every = (parseInt(queue.dataset.pollSeconds, 10) || 10) * 1000;
  var baseTitle = document.title;
  var unseen = 0;

  function busy(row) {
    if (row.contains(document.activeElement) && document.activeElement !== document.body) return true;
    return Array.prototype.some.call(row.querySelectorAll("input[name=note], select[name=outcome]"), function (field) {
      return field.value !== "";
    });
  }

  function rowFrom(html) {
    var holder = document.createElement("div");
    holder.innerHTML = html.trim();
    return holder.firstElementChild;
  }

  function say(text, loginLink) {
    notice.textContent = text + " ";
    if (loginLink) {
      var link = document.createElement("a");
      link.href = queue.dataset.login;
      link.textContent = "Log in again";
      notice.appendChild(link);
    }
    notice.hidden = false;
  }

  // Redraw one list (the requests, or the live chats) from the feed's entries, in the server's order.
  function redrawList(container, entries, prefix) {
    var wanted = {};
    var previous = null;
    entries.forEach(function (item) {
      wanted[item.id] = true;
      var row = document.getElementById(prefix + item.id);
      if (!row) {
        if (!item.html) return;  // sent without its HTML: asked for again next time
        row = rowFrom(item.html);
        row.classList.add("arrived");
        unseen += 1;
      } else if (item.html && row.dataset.version !== item.version && !busy(row)) {
        var fresh = rowFrom(item.html);
        row.replaceWith(fresh);
        row = fresh;
      }
      // Keep the server's order.
      if (previous ? previous.nextElementSibling !== row : container.firstElementChild !== row) {
        if (previous) previous.after(row); else container.prepend(row);
      }
      previous = row;
    });
    Array.prototype.slice.call(container.children).forEach(function (row) {
      if (!wanted[row.dataset.id] && !busy(row)) row.remove();
    });
  }

  function redraw(data) {
    redrawList(queue, data.rows, "cb");
    if (chats && data.chats) {
      redrawList(chats, data.chats, "lc");
      chatsSection.hidden = chats.children.length === 0;
    }
    if (data.presence) {
      var self = document.querySelector("[data-presence='self']");
      var colleagues = document.querySelector("[data-presence='colleagues']");
      if (self) self.textContent = data.presence.available ? "You are available for live chat" : "You are not available for live chat";
      if (colleagues) colleagues.textContent = data.presence.colleagues;
    }
    Object.keys(data.counts).forEach(function (name) {
      var count = document.querySelector("[data-count='" + name + "']");
      if (count) count.textContent = data.counts[name];
    });
    if (empty) empty.hidden = queue.children.length > 0;
    if (cutNotice) cutNotice.hidden = !data.cut;
    document.title = (unseen ? "(" + unseen + " new) " : "") + baseTitle;
    if (data.idle_seconds_left !== null && data.idle_seconds_left < 120) {
      say("You will be logged out in about " + Math.max(1, Math.round(data.idle_seconds_left / 60)) +
          " minute(s) without activity. Click anywhere in the queue or reload the page to stay logged in.", false);
    } else if (!notice.dataset.ended) {
      notice.hidden = true;
    }
  }

  function poll() {
    // What the page has, so that only new and changed rows come back with their HTML.
    function versions(container) {
      return container ? Array.prototype.map.call(container.children, function (row) {
        return row.dataset.id + ":" + row.dataset.version;
      }).join(",") : "";
    }
    fetch(queue.dataset.live + (queue.dataset.live.indexOf("?") < 0 ? "?" : "&") + "have=" + versions(queue) +
          "&chats=" + versions(chats), {
      credentials: "same-origin", headers: { "Accept": "application/json" }, redirect: "manual",
    }).then(function (response) {
      if (response.status === 401 || response.type === "opaqueredirect") {
        notice.dataset.ended = "1";
        say("Your session has ended (" + queue.dataset.idleMinutes + " minutes without activity, " +
            "or the end of the working day), " +
            "so this list is no longer updating.", true);
        queue.classList.add("stale");
        if (chats) chats.classList.add("stale");
        return null;
      }
      if (!response.ok) throw new Error(String(response.status));
      return response.json();
    }).then(function (data) {
      if (data) { redraw(data); setTimeout(poll, every); }
    }).catch(function () {
      say("Can't reach the staff app right now; trying again.", false);
      setTimeout(poll, every * 2);
    });
  }

  // Clicking or typing in the queue is activity: a cheap request that counts, so the page stays logged in.
  var lastTouch = Date.now();
  document.addEventListener("click", function () {
    if (Date.now() - lastTouch > 60000) {
      lastTouch = Date.now();
      fetch(queue.dataset.live.replace("/live", "/still-here"), { credentials: "same-origin", method: "GET" });
    }
    unseen = 0;
    document.title = baseTitle;
  });
  setTimeout(poll, every);
})();
