/* Renders the phone directory (Danh bạ điện thoại) from /api/danh-ba.json into the tab panes.
   Every pane is filled at load; CSS shows only the active one. Text is set with textContent only,
   so whatever the data holds is displayed as text, never parsed as markup. */
(function () {
  "use strict";
  var CLS = { block: "khoi-don-vi", heading: "ten-don-vi", table: "danh-ba" };
  var COLUMNS = [
    ["ho_ten", "ho-ten", "Họ và tên"],
    ["chuc_vu", "chuc-vu", "Chức vụ"],
    ["dt_co_quan", "dt-co-quan", "Điện thoại cơ quan"],
    ["di_dong", "di-dong", "Di động"],
    ["email", "email", "Email"]
  ];

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function unitBlock(unit) {
    var section = el("section", CLS.block);
    section.appendChild(el("h3", CLS.heading, unit.ten));
    var table = el("table", CLS.table);
    var head = el("thead"), headRow = el("tr");
    COLUMNS.forEach(function (c) { headRow.appendChild(el("th", null, c[2])); });
    head.appendChild(headRow);
    table.appendChild(head);
    var body = el("tbody");
    (unit.nguoi || []).forEach(function (p) {
      var row = el("tr");
      COLUMNS.forEach(function (c) { row.appendChild(el("td", c[1], p[c[0]] || "")); });
      body.appendChild(row);
    });
    table.appendChild(body);
    section.appendChild(table);
    return section;
  }

  function activate(tab) {
    var tabs = document.querySelectorAll(".tabs li[data-tab]");
    for (var i = 0; i < tabs.length; i++) {
      var key = tabs[i].getAttribute("data-tab");
      var on = key === tab;
      tabs[i].classList.toggle("active", on);
      var pane = document.getElementById(key);
      if (pane) { pane.classList.toggle("active", on); }
    }
  }

  function render(data) {
    (data.nhom || []).forEach(function (group) {
      var pane = document.getElementById(group.tab);
      if (!pane) { return; }
      var frag = document.createDocumentFragment();
      (group.don_vi || []).forEach(function (unit) { frag.appendChild(unitBlock(unit)); });
      pane.appendChild(frag);
    });
    document.body.dataset.danhBa = "ready";
  }

  function init() {
    var tabs = document.querySelectorAll(".tabs li[data-tab]");
    for (var i = 0; i < tabs.length; i++) {
      tabs[i].addEventListener("click", function (ev) {
        activate(ev.currentTarget.getAttribute("data-tab"));
      });
    }
    if (tabs.length) { activate(tabs[0].getAttribute("data-tab")); }
    fetch("/api/danh-ba.json", { cache: "no-store" })
      .then(function (r) {
        if (!r.ok) { throw new Error("HTTP " + r.status); }
        return r.json();
      })
      .then(render)
      .catch(function () { document.body.dataset.danhBa = "error"; });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
