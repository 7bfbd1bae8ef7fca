// arrkestra dashboard: the few lines of script the pages use. Every page works without it.
//  - [data-live="URL"]: the element's content is replaced every few seconds by the HTML
//    fragment at URL (server-rendered), while the tab is visible. The next fetch is asked
//    for only once the last one answered (a slow server is never sent a pile of them),
//    and a fragment holding [data-live-done] (a job that finished) ends the refreshing.
//  - form[data-confirm="question"]: asks before submitting.
//  - form[data-autosubmit]: a change of one of its selects submits it.
"use strict";
(function () {
  const PERIOD_MS = 3000;

  function refresh(element) {
    if (document.hidden) {
      setTimeout(function () { refresh(element); }, PERIOD_MS);
      return;
    }
    fetch(element.dataset.live, { credentials: "same-origin", headers: { "X-Requested-With": "dashboard" } })
      // a redirect means the session ended (the login form): keep what is shown
      .then(function (response) { return response.ok && !response.redirected ? response.text() : null; })
      .then(function (html) { if (html !== null) element.innerHTML = html; })
      .catch(function () { /* the next tick tries again */ })
      .finally(function () {
        if (!element.querySelector("[data-live-done]")) setTimeout(function () { refresh(element); }, PERIOD_MS);
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-live]").forEach(function (element) {
      setTimeout(function () { refresh(element); }, PERIOD_MS);
    });
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.dataset.confirm)) event.preventDefault();
      });
    });
    document.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
  });
})();
