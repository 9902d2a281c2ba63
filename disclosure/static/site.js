/* Progressive enhancement for every page; no library. Without it every page works: the whole
   menu shows, the facets open with their "筛选" button, and every field of the application
   form shows (each group says in its legend when it applies). */
(function () {
  "use strict";
  var root = document.documentElement;
  root.className += " js";
  var narrow = window.matchMedia ? window.matchMedia("(max-width: 760px)") : null;

  function isNarrow() {
    return narrow !== null && narrow.matches;
  }

  /* The header menu: the "菜单" button (shown on phones only) opens and closes it. */
  function menu() {
    var button = document.querySelector(".menu-toggle");
    var nav = button && document.getElementById(button.getAttribute("aria-controls"));
    if (!nav) return;
    function set(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      nav.classList.toggle("open", open);
    }
    button.addEventListener("click", function () {
      set(button.getAttribute("aria-expanded") !== "true");
    });
    nav.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && isNarrow()) {
        set(false);
        button.focus();
      }
    });
  }

  /* <details class="fold">: open on wide screens, closed on phones until asked for. */
  function folds() {
    var all = document.querySelectorAll("details.fold");
    function sync() {
      for (var i = 0; i < all.length; i++) {
        if (!isNarrow()) all[i].open = true;
      }
    }
    for (var i = 0; i < all.length; i++) all[i].open = !isNarrow();
    if (narrow && narrow.addEventListener) narrow.addEventListener("change", sync);
  }

  /* Deform forms: the group that fits a choice (fieldset[data-show-when]) and the markers of
     fields required with a choice ([data-required-when]) follow that choice. */
  function valueOf(form, name) {
    var item = form.querySelector(".item-" + name);
    if (!item) return null;
    var radios = item.querySelectorAll("input[type=radio]");
    if (radios.length) {
      for (var i = 0; i < radios.length; i++) if (radios[i].checked) return radios[i].value;
      return "";
    }
    var control = item.querySelector("select, input, textarea");
    return control ? control.value : null;
  }

  function conditionalFields(form) {
    var groups = form.querySelectorAll("fieldset[data-show-when]");
    var items = form.querySelectorAll("[data-required-when]");
    if (!groups.length && !items.length) return;
    function update() {
      var i, value;
      for (i = 0; i < groups.length; i++) {
        value = valueOf(form, groups[i].getAttribute("data-show-when"));
        if (value === null) continue;
        var show = value === groups[i].getAttribute("data-show-value");
        groups[i].hidden = !show;
        groups[i].disabled = !show; // a hidden group's fields are not sent
      }
      for (i = 0; i < items.length; i++) {
        value = valueOf(form, items[i].getAttribute("data-required-when"));
        if (value === null) continue;
        var on = items[i].getAttribute("data-required-value").split(" ").indexOf(value) >= 0;
        var mark = items[i].querySelector(".required-mark");
        if (mark) mark.hidden = !on;
        var controls = items[i].querySelectorAll("select, textarea, input:not([type=hidden])");
        for (var j = 0; j < controls.length; j++) {
          if (on) controls[j].setAttribute("aria-required", "true");
          else controls[j].removeAttribute("aria-required");
        }
      }
    }
    form.addEventListener("change", update);
    update();
  }

  function ready() {
    menu();
    folds();
    var forms = document.querySelectorAll("form.deform");
    for (var i = 0; i < forms.length; i++) conditionalFields(forms[i]);
    // a form sent back with errors: its summary takes the focus (and is read out); again once
    // loaded, as the page's address may still carry "#main" from the skip link
    var summary = document.querySelector(".error-summary[tabindex]");
    if (summary) {
      summary.focus();
      window.addEventListener("load", function () {
        if (!summary.contains(document.activeElement)) summary.focus();
      });
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
