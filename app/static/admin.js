// Switchboard admin: keyboard shortcuts, polling only while the tab is visible, the
// shortcuts dialog. No framework and no JSON-to-DOM code: the server renders every fragment;
// this file only triggers htmx or native controls.
(function () {
  "use strict";

  // Polls (elements marked data-poll) skip their request while the tab is hidden.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (document.hidden && elt && elt.hasAttribute && elt.hasAttribute("data-poll")) {
      event.preventDefault();
    }
  });

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("#conversation-list .conv-link"));
  }

  function move(step) {
    var links = rows();
    if (!links.length) { return; }
    var index = links.indexOf(document.activeElement);
    if (index === -1) {
      index = links.findIndex(function (a) { return a.getAttribute("aria-current") === "true"; });
    }
    var next = links[Math.min(links.length - 1, Math.max(0, index + step))];
    next.focus();
  }

  function click(selector) {
    var target = document.querySelector(selector);
    if (target) { target.click(); }
  }

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  function openShortcuts() {
    var dialog = document.getElementById("shortcuts");
    if (dialog && !dialog.open) { dialog.showModal(); }
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    switch (event.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "r": {
        var reply = document.querySelector("#composer [data-reply], #composer select");
        if (reply) { reply.focus(); } else { return; }
        break;
      }
      case "a": click("#thread-header [data-shortcut='a']"); break;
      case "e": click("#thread-header [data-shortcut='e']"); break;
      case "/": {
        var search = document.getElementById("search");
        if (search) { search.focus(); search.select(); } else { return; }
        break;
      }
      case "?": openShortcuts(); break;
      default: return;
    }
    event.preventDefault();
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-shortcuts-open]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", openShortcuts);
    });
  });

  // Copy buttons of secrets shown once: shown only with JavaScript, which they need.
  function wireCopyButtons(root) {
    root.querySelectorAll("[data-copy]").forEach(function (button) {
      if (button.dataset.wired) { return; }
      button.dataset.wired = "1";
      button.hidden = false;
      button.addEventListener("click", function () {
        var field = document.querySelector(button.getAttribute("data-copy"));
        if (!field) { return; }
        field.select();
        var done = function () { button.textContent = "Copied"; };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(field.value).then(done, function () {
            document.execCommand("copy"); done();
          });
        } else {
          document.execCommand("copy"); done();
        }
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { wireCopyButtons(document); });
  document.addEventListener("htmx:afterSettle", function (event) { wireCopyButtons(document); });

  // The row just opened is the selected one.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("#conversation-list .conv-link");
    if (!link) { return; }
    document.querySelectorAll("#conversation-list .row.is-selected").forEach(function (row) {
      row.classList.remove("is-selected");
      row.querySelector(".conv-link").removeAttribute("aria-current");
    });
    link.closest(".row").classList.add("is-selected");
    link.setAttribute("aria-current", "true");
  });

  // The thread stays at its newest line while the agent is there; reading back up, it stays put.
  function pinThreads() {
    document.querySelectorAll(".lines-wrap").forEach(function (wrap) {
      if (!wrap.dataset.watched) {
        wrap.dataset.watched = "1";
        wrap.scrollTop = wrap.scrollHeight;
        wrap.addEventListener("scroll", function () {
          wrap.dataset.pinned = wrap.scrollHeight - wrap.scrollTop - wrap.clientHeight < 40 ? "1" : "";
        });
        wrap.dataset.pinned = "1";
      } else if (wrap.dataset.pinned) {
        wrap.scrollTop = wrap.scrollHeight;
      }
    });
  }
  document.addEventListener("DOMContentLoaded", pinThreads);
  document.addEventListener("htmx:afterSettle", pinThreads);
})();
