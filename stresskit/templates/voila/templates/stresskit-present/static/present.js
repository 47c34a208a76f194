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
    // the bar's height as it ends up (the vote button, a font, a narrower window), however late
    // its parts arrive: what is under it never moves with the order the page's requests come back in
    if (window.ResizeObserver) new ResizeObserver(fit).observe(box);
    else window.addEventListener("resize", fit);
    showWho();
    votes(box, unit, file);
  }

  // --- a vote from the phones in the room (the server's stresskit/vote API) -----------------
  function xsrf() {
    const hit = document.cookie.split("; ").find((c) => c.startsWith("_xsrf="));
    return hit ? decodeURIComponent(hit.slice(6)) : "";
  }
  function voteApi(action, body) {
    const init = { credentials: "same-origin", cache: "no-store" };
    if (body !== undefined) {
      Object.assign(init, { method: "POST", body: JSON.stringify(body),
                            headers: { "Content-Type": "application/json", "X-XSRFToken": xsrf() } });
    }
    return fetch(`${base}stresskit/vote${action ? "/" + action : ""}`, init).then((r) => r.json());
  }
  function votes(box, unit, file) {
    const button = el("button", { type: "button", id: "sk-vote-button", class: "sk-vote-button" }, "Afstemning");
    box.appendChild(button);
    const panel = el("section", { id: "sk-vote", class: "sk-vote", "aria-label": "Afstemning", "aria-live": "polite" });
    panel.hidden = true;
    document.body.appendChild(panel);
    let timer = null, shownState = "";
    const show = (on) => {
      panel.hidden = !on;
      if (on && !timer) timer = setInterval(refresh, 1000);
      if (!on && timer) { clearInterval(timer); timer = null; }
    };
    button.addEventListener("click", () => { show(panel.hidden); if (!panel.hidden) refresh(true); });
    function row(parent, tag, attrs, text) { const e = el(tag, attrs, text); parent.appendChild(e); return e; }
    function chooser(status) {
      panel.replaceChildren();
      row(panel, "h2", {}, "Afstemning blandt alle i lokalet");
      if (status.error) row(panel, "p", { class: "sk-vote-error", role: "alert" }, status.error);
      const pick = row(panel, "select", { id: "sk-vote-question", "aria-label": "Spørgsmålet, der stemmes om" });
      voteApi(`questions?notebook=${encodeURIComponent(file)}&unit=${encodeURIComponent(unit)}`).then((found) => {
        found.questions.forEach((q) => pick.appendChild(el("option", { value: q.id }, q.label)));
        if (!found.questions.length) pick.appendChild(el("option", { value: "" }, "Ingen spørgsmål at stemme om på denne side"));
      });
      const go = row(panel, "button", { type: "button", id: "sk-vote-open" }, "Åbn afstemningen");
      go.addEventListener("click", () => voteApi("open", { unit, question: pick.value, who: who() }).then((s) => render(s, true)));
      row(panel, "button", { type: "button", class: "sk-vote-hide" }, "Skjul").addEventListener("click", () => show(false));
    }
    function opened(status) {
      if (shownState !== `open:${status.code}`) {
        panel.replaceChildren();
        row(panel, "h2", { id: "sk-vote-label" }, status.label);
        const img = row(panel, "img", { id: "sk-vote-qr", alt: `QR-kode til ${status.address}`, src: `${base}stresskit/vote/qr.svg?code=${status.code}` });
        img.width = 260;
        const where = row(panel, "p", { class: "sk-vote-where" }, "Scan koden, eller gå til ");
        where.appendChild(el("b", { id: "sk-vote-short" }, status.short));
        where.appendChild(document.createTextNode(" og skriv koden "));
        where.appendChild(el("b", { id: "sk-vote-code" }, status.code));
        row(panel, "p", { id: "sk-vote-count", class: "sk-vote-count" });
        row(panel, "button", { type: "button", id: "sk-vote-close" }, "Luk afstemningen").addEventListener(
          "click", () => voteApi("close", {}).then((s) => render(s, true)));
        row(panel, "button", { type: "button", class: "sk-vote-hide" }, "Skjul").addEventListener("click", () => show(false));
      }
      document.getElementById("sk-vote-count").textContent = `${status.answered} har svaret`;
    }
    function closed(status) {
      if (shownState === `closed:${status.code}`) return;
      panel.replaceChildren();
      row(panel, "h2", {}, status.label);
      row(panel, "p", { id: "sk-vote-count", class: "sk-vote-count" }, `Afstemningen er lukket: ${status.answered} svar.`);
      if (status.result) {
        const most = Math.max(1, ...status.result.map((r) => r.count));
        const list = row(panel, "table", { id: "sk-vote-result", class: "sk-vote-result" });
        status.result.forEach((r) => {
          const tr = row(list, "tr");
          row(tr, "th", { scope: "row" }, r.title);
          const bar = row(row(tr, "td"), "span", { class: "sk-vote-bar" });
          bar.style.width = `${Math.round((r.count / most) * 100)}%`;
          row(tr, "td", { class: "sk-vote-n" }, String(r.count));
        });
      } else {
        row(panel, "p", { id: "sk-vote-few", class: "sk-vote-few" },
            `${status.message[0].toUpperCase()}${status.message.slice(1)} (der skal mindst ${status.k} svar til).`);
      }
      if (status.save_error) row(panel, "p", { class: "sk-vote-error" }, `Resultatet blev ikke gemt: ${status.save_error}`);
      row(panel, "button", { type: "button", id: "sk-vote-new" }, "Ny afstemning").addEventListener("click", () => { shownState = "choose"; chooser({}); });
      row(panel, "button", { type: "button", class: "sk-vote-hide" }, "Skjul").addEventListener("click", () => show(false));
    }
    function render(status, force) {
      if (status.error) { shownState = "choose"; chooser(status); return; }
      if (status.state === "open") { show(true); opened(status); shownState = `open:${status.code}`; return; }
      if (status.state === "closed" && (force || shownState !== "choose")) { closed(status); shownState = `closed:${status.code}`; return; }
      if (shownState !== "choose") { shownState = "choose"; chooser(status); }
    }
    function refresh(force) { voteApi("").then((s) => render(s, force === true)).catch(() => {}); }
    voteApi("").then((s) => { if (s.state === "open") render(s, true); }).catch(() => {});
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
