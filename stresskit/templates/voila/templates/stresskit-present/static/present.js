// stresskit present: the bar (recommendation and unit, without restarting anything), the section
// menu with folding, and the name of whoever answers, kept for the browser session in a cookie.
// Every text from the workbook is set with textContent, never as markup.
(function () {
  "use strict";
  const WHO = "stresskit_who";
  const base = (document.body.dataset.baseUrl || "/voila/").replace(/voila\/$/, "");

  function who() {
    const hit = document.cookie.split("; ").find((c) => c.startsWith(WHO + "="));
    return hit ? decodeURIComponent(hit.slice(WHO.length + 1)) : "";
  }
  function setWho(name) {  // no expiry: the cookie lasts for the browser session
    document.cookie = `${WHO}=${encodeURIComponent(name)}; path=/; SameSite=Strict`;
  }
  function pageUrl(file, unit) {
    const q = new URLSearchParams();
    if (unit) q.set("unit", unit);
    if (who()) q.set("who", who());
    return `${base}voila/render/${encodeURIComponent(file)}?${q}`;
  }
  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => e.setAttribute(k, v));
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function unitOptions(select, units, current) {
    units.forEach((u) => {
      const o = el("option", { value: u.id }, "\u2003".repeat(u.depth) + u.name);
      if (u.id === current) o.selected = true;
      select.appendChild(o);
    });
  }

  // --- the landing page -------------------------------------------------------------------
  function landing(root) {
    const links = root.querySelectorAll("a[data-file]");
    const chosen = () => (root.querySelector("input[name=unit]:checked") || {}).value || "";
    const update = () => links.forEach((a) => { a.href = pageUrl(a.dataset.file, chosen()); });
    root.addEventListener("change", update);
    update();
  }

  // --- a recommendation page ----------------------------------------------------------------
  function bar(nav) {
    const params = new URLSearchParams(location.search);
    const unit = params.get("unit") || nav.units[0].id;
    const file = decodeURIComponent(location.pathname.split("/").pop());
    const recs = nav.recommendations;
    const i = recs.findIndex((r) => r.file === file);
    const box = el("nav", { id: "sk-bar", class: "sk-bar", "aria-label": "Skift side" });
    box.appendChild(el("a", { href: `${base}`, class: "sk-home" }, "⌂ Forside"));
    const step = (id, r, text) => box.appendChild(el("a", { id, href: pageUrl(r.file, unit), title: `${r.number}. ${r.title}` }, text));
    if (i > 0) step("sk-prev", recs[i - 1], `‹ Forrige (${recs[i - 1].number})`);
    const rec = el("select", { id: "sk-rec", "aria-label": "Anbefaling" });
    recs.forEach((r, j) => {
      const o = el("option", { value: r.file }, `${r.number}. ${r.title}`);
      if (j === i) o.selected = true;
      rec.appendChild(o);
    });
    rec.addEventListener("change", () => { location.href = pageUrl(rec.value, unit); });
    box.appendChild(rec);
    if (i >= 0 && i < recs.length - 1) step("sk-next", recs[i + 1], `Næste (${recs[i + 1].number}) ›`);
    const label = el("label", { class: "sk-unit-label" }, "Enhed ");
    const units = el("select", { id: "sk-unit" });
    unitOptions(units, nav.units, unit);
    units.addEventListener("change", () => { location.href = pageUrl(file, units.value); });
    label.appendChild(units);
    box.appendChild(label);
    document.body.insertBefore(box, document.body.firstChild);
    const fit = () => {
      const h = `${box.offsetHeight}px`;
      if (document.documentElement.style.getPropertyValue("--sk-bar") === h) return;
      document.documentElement.style.setProperty("--sk-bar", h);
      relayout();
    };
    fit();
    window.addEventListener("resize", fit);
    showWho();
  }

  function relayout() {  // Voilà's shell measures itself on a window resize
    requestAnimationFrame(() => window.dispatchEvent(new Event("resize")));
  }

  function showWho() {
    const shown = document.getElementById("sk-who-shown");
    const field = document.querySelector(".sk-who input");
    const name = who() || (field ? field.value.trim() : "");
    if (shown) shown.textContent = name ? `Svarer: ${name}` : "Intet navn endnu";
  }

  function sections() {
    const cells = Array.from(document.querySelectorAll("#rendered_cells div[cell-index]"));
    const heads = cells.map((c) => c.querySelector(".jp-MarkdownOutput h2, .jp-RenderedMarkdown h2")).filter(Boolean);
    if (!heads.length) return;
    const menu = el("nav", { id: "sk-sections", class: "sk-sections", "aria-label": "Afsnit" });
    menu.appendChild(el("p", { id: "sk-who-shown", class: "sk-who-shown" }));
    menu.appendChild(el("div", { class: "sk-sections-title" }, "Afsnit"));
    const list = el("ol");
    heads.forEach((h, n) => {
      h.querySelectorAll(".jp-InternalAnchorLink, .anchor-link").forEach((a) => a.remove());
      h.id = h.id || `sk-section-${n + 1}`;
      const link = el("a", { href: `#${h.id}` }, h.textContent.trim());
      link.addEventListener("click", (e) => {
        e.preventDefault();
        unfold(h);
        h.scrollIntoView({ block: "start" });
        history.replaceState(null, "", `#${h.id}`);
      });
      const item = el("li");
      item.appendChild(link);
      list.appendChild(item);
      const toggle = el("button", { type: "button", class: "sk-fold", "aria-expanded": "true", title: "Fold afsnittet sammen eller ud" }, "▾");
      toggle.addEventListener("click", () => fold(h, toggle.getAttribute("aria-expanded") === "true"));
      h.insertBefore(toggle, h.firstChild);
    });
    menu.appendChild(list);
    document.body.appendChild(menu);
    document.body.classList.add("sk-has-sections");
    showWho();
    relayout();
  }

  // A section: the rest of the heading's own cell and every cell up to the next heading.
  function sectionParts(h) {
    const cell = h.closest("div[cell-index]");
    const parts = [];
    let s = h.nextElementSibling;
    for (; s; s = s.nextElementSibling) parts.push(s);
    for (let c = cell.nextElementSibling; c && !c.querySelector("h2"); c = c.nextElementSibling) parts.push(c);
    return parts;
  }
  function fold(h, closed) {
    sectionParts(h).forEach((p) => { p.hidden = closed; });
    const t = h.querySelector(".sk-fold");
    t.setAttribute("aria-expanded", String(!closed));
    t.textContent = closed ? "▸" : "▾";
  }
  function unfold(h) { if (h.querySelector(".sk-fold[aria-expanded=false]")) fold(h, false); }

  // The name field (an ipywidget from the kernel): remember what is typed; fill in a name
  // given earlier in this browser session when the page did not carry it.
  function whoField() {
    document.addEventListener("input", (e) => {
      if (!e.target.closest || !e.target.closest(".sk-who")) return;
      setWho(e.target.value.trim());
      const url = new URL(location.href);
      if (who()) url.searchParams.set("who", who()); else url.searchParams.delete("who");
      history.replaceState(null, "", url);
      showWho();
      document.querySelectorAll("#sk-bar a[href*='voila/render']").forEach((a) => {
        const u = new URL(a.href);
        u.searchParams.set("who", who());
        a.href = u;
      });
    }, true);
    const started = Date.now();
    const fill = setInterval(() => {
      const input = document.querySelector(".sk-who input");
      if (input || Date.now() - started > 60000) clearInterval(fill);
      if (!input) return;
      if (!input.value && who()) {
        input.value = who();
        input.dispatchEvent(new Event("input", { bubbles: true }));
        input.dispatchEvent(new Event("change", { bubbles: true }));  // the field sends its value on change (Enter, leaving it)
      } else if (input.value && !who()) {
        setWho(input.value.trim());  // given with --who or in the address: keep it for the session
      }
      showWho();
    }, 200);
  }

  const start = document.getElementById("sk-start");
  if (start) {
    landing(start);
    return;
  }
  fetch(`${base}stresskit/nav`, { credentials: "same-origin" })
    .then((r) => r.json())
    .then(bar)
    .catch(() => {});
  sections();
  whoField();
})();
