/* The theme's and plugins' scripts in the offline replica (jquery.main.js, gr.js, cookie-notice,
   wp-embed, print-me all get this file): it marks <body> as scripted, once, however often it runs. */
(function (d) {
  "use strict";
  function mark() {
    d.body.classList.add("js-ready");
    var runs = parseInt(d.documentElement.getAttribute("data-replica-scripts") || "0", 10);
    d.documentElement.setAttribute("data-replica-scripts", String(runs + 1));
  }
  if (d.readyState === "loading") { d.addEventListener("DOMContentLoaded", mark); } else { mark(); }
})(document);
