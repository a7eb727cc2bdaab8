/*! A stand-in for jQuery in the offline replica (it is not jQuery): $(fn) runs fn when the document is
    ready, $(selector) wraps document.querySelectorAll with each(), addClass() and removeClass(). */
(function (w, d) {
  "use strict";
  function Wrapped(nodes) { this.nodes = nodes; this.length = nodes.length; }
  Wrapped.prototype.each = function (fn) { this.nodes.forEach(function (n, i) { fn.call(n, i, n); }); return this; };
  Wrapped.prototype.addClass = function (name) { return this.each(function () { this.classList.add(name); }); };
  Wrapped.prototype.removeClass = function (name) { return this.each(function () { this.classList.remove(name); }); };
  Wrapped.prototype.ready = function (fn) { return $(fn); };
  function $(what) {
    if (typeof what === "function") {
      if (d.readyState === "loading") { d.addEventListener("DOMContentLoaded", function () { what($); }); }
      else { what($); }
      return new Wrapped([d]);
    }
    if (typeof what === "string") { return new Wrapped(Array.prototype.slice.call(d.querySelectorAll(what))); }
    return new Wrapped(what ? [what] : []);
  }
  $.fn = Wrapped.prototype;
  $.replica = true;
  w.jQuery = w.$ = w.jQuery || $;
})(window, document);
