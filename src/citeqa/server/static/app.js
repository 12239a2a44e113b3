// The citeqa page: ask, show the answer with its [n] markers, open a citation in its document.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const documents = new Map();   // source -> its text, fetched once
  let token = sessionStorage.getItem("citeqa-token") || "";
  let lastAsk = null;             // re-asked after a token is entered

  // ---- talking to the server -----------------------------------------------------------
  async function api(path, options) {
    const opts = Object.assign({ headers: {} }, options || {});
    if (token) opts.headers.Authorization = "Bearer " + token;
    const res = await fetch(path, opts);
    if (res.status === 401) {
      $("token-form").hidden = false;
      $("token").focus();
      throw new Error("This server needs its access token: enter it above.");
    }
    if (!res.ok) {
      let message = res.status + " " + res.statusText;
      try {
        const body = await res.json();
        if (body && typeof body.error === "string") message = body.error;
      } catch (_) { /* not JSON: keep the status line */ }
      throw new Error(message);
    }
    return res;
  }

  async function documentText(source) {
    if (!documents.has(source)) {
      const path = source.split("/").map(encodeURIComponent).join("/");
      const res = await api("/documents/" + path);
      documents.set(source, await res.text());
    }
    return documents.get(source);
  }

  // ---- small helpers -------------------------------------------------------------------
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // A web address in an answer (a link's target, kept after its label) opens in a new tab;
  // only http and https addresses become links, and the text is never parsed as HTML.
  const WEB = /(https?:\/\/[^\s()<>"]*[^\s()<>".,;:!?'])/;
  function appendText(box, text) {
    text.split(WEB).forEach((part, i) => {
      if (!part) return;
      if (i % 2 === 0) {
        box.append(document.createTextNode(part));
        return;
      }
      const link = el("a", "web", part);
      link.href = part;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      box.append(link);
    });
  }

  function showError(message) {
    $("error").textContent = message;
    $("error").hidden = !message;
  }

  // Where a citation is: page and section when the index knows them, and its lines.
  function where(c) {
    const parts = [];
    if (c.page !== undefined && c.page !== null) parts.push("page " + c.page);
    if (typeof c.section === "string" && c.section) parts.push(c.section);
    if (c.line_start !== undefined) {
      parts.push(c.line_start === c.line_end ? "line " + c.line_start
        : "lines " + c.line_start + "\u2013" + c.line_end);
    }
    return parts.join(" \u00b7 ");
  }

  function shorten(text, width) {
    const flat = text.split(/\s+/).join(" ").trim();
    return flat.length <= width ? flat : flat.slice(0, width - 1) + "\u2026";
  }

  // Offsets count code points (Python characters); JavaScript strings count UTF-16 units.
  function unitIndex(text, codePoints) {
    if (!/[\uD800-\uDFFF]/.test(text)) return Math.max(0, Math.min(codePoints, text.length));
    let i = 0;
    for (let n = 0; n < codePoints && i < text.length; n++) {
      const unit = text.charCodeAt(i);
      i += unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length ? 2 : 1;
    }
    return i;
  }

  // ---- the answer ----------------------------------------------------------------------
  function renderAnswer(answer) {
    $("result").hidden = false;
    $("stale").hidden = !answer.stale;
    $("abstained").hidden = !answer.abstained;
    $("result").classList.toggle("is-abstention", Boolean(answer.abstained));
    $("citations-title").textContent = answer.abstained ? "Closest passages" : "Sources";
    $("confidence").hidden = Boolean(answer.abstained);
    $("confidence").textContent = "Confidence " + answer.confidence.toFixed(2) +
      ": the estimated probability that this answer is right";

    const box = $("answer");
    box.replaceChildren();
    const byNumber = new Map(answer.citations.map((c) => [c.number, c]));
    const pieces = answer.text.split(/\[(\d+)\]/);
    pieces.forEach((piece, i) => {
      if (i % 2 === 0) {
        if (piece) appendText(box, piece);
        return;
      }
      const citation = byNumber.get(Number(piece));
      if (!citation) {
        box.append(document.createTextNode("[" + piece + "]"));
        return;
      }
      const link = el("a", "marker", "[" + piece + "]");
      link.href = "#cite-" + piece;
      link.title = citation.source + (where(citation) ? ", " + where(citation) : "");
      link.addEventListener("click", (e) => { e.preventDefault(); openCitation(citation); });
      box.append(link);
    });

    const list = $("citations");
    list.replaceChildren();
    for (const c of answer.citations) {
      const item = el("li", "citation");
      item.id = "cite-" + c.number;
      item.dataset.number = String(c.number);
      const link = el("a", "cite-link");
      link.href = "#cite-" + c.number;
      link.append(el("span", "number", "[" + c.number + "]"), " ", el("span", "source", c.source));
      link.addEventListener("click", (e) => { e.preventDefault(); openCitation(c); });
      item.append(link);
      const place = where(c);
      if (place) item.append(el("div", "where", place));
      item.append(el("blockquote", "quote", shorten(c.quote, 300)));
      list.append(item);
    }
  }

  async function ask(question, mode, k) {
    lastAsk = [question, mode, k];
    showError("");
    $("ask-button").disabled = true;
    document.body.classList.add("busy");
    try {
      const body = { question: question, mode: mode };
      if (k) body.k = k;
      const res = await api("/ask", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      closeViewer();
      renderAnswer(await res.json());
    } catch (err) {
      showError(err.message);
    } finally {
      $("ask-button").disabled = false;
      document.body.classList.remove("busy");
    }
  }

  // ---- the document viewer -------------------------------------------------------------
  async function openCitation(c) {
    showError("");
    let text;
    try {
      text = await documentText(c.source);
    } catch (err) {
      showError(err.message);
      return;
    }
    for (const item of $("citations").children) {
      item.classList.toggle("active", item.dataset.number === String(c.number));
    }
    $("viewer-title").textContent = "[" + c.number + "] " + c.source;
    $("viewer-where").textContent = where(c);

    // The cited sentence is start..end; its passage (when given) is passage_start..passage_end.
    const start = unitIndex(text, c.start);
    const end = Math.max(start, unitIndex(text, c.end));
    const hasPassage = typeof c.passage_start === "number" && typeof c.passage_end === "number";
    const pStart = hasPassage ? Math.min(start, unitIndex(text, c.passage_start)) : start;
    const pEnd = hasPassage ? Math.max(end, unitIndex(text, c.passage_end)) : end;

    const sentence = el("mark", "sentence", text.slice(start, end));
    sentence.id = "highlight";
    const passage = el("span", "passage");
    passage.append(text.slice(pStart, start), sentence, text.slice(end, pEnd));
    const doc = $("document");
    doc.replaceChildren(text.slice(0, pStart), passage, text.slice(pEnd));
    $("viewer").hidden = false;
    $("result").closest(".panes").classList.add("with-viewer");
    // Scroll the document, not the page, to put the sentence a third of the way down.
    doc.scrollTop = Math.max(0, sentence.offsetTop - doc.clientHeight / 3);
    $("viewer").scrollIntoView({ block: "nearest" });
  }

  function closeViewer() {
    $("viewer").hidden = true;
    $("result").closest(".panes").classList.remove("with-viewer");
    for (const item of $("citations").children) item.classList.remove("active");
  }

  // ---- start ---------------------------------------------------------------------------
  async function showStatus() {
    try {
      const health = await (await api("/health")).json();
      const docs = health.documents === 1 ? "1 document" : health.documents + " documents";
      $("status").textContent = docs + ", " + health.chunks + " passages" +
        (health.stale ? " (index out of date)" : "");
    } catch (err) {
      $("status").textContent = "";
      if (!$("token-form").hidden) return;
      showError(err.message);
    }
  }

  $("ask-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const question = $("question").value.trim();
    if (!question) return;
    const k = $("k").value ? Number($("k").value) : null;
    history.replaceState(null, "", "#q=" + encodeURIComponent(question));
    ask(question, $("mode").value, k);
  });

  $("token-form").addEventListener("submit", (e) => {
    e.preventDefault();
    token = $("token").value.trim();
    sessionStorage.setItem("citeqa-token", token);
    $("token-form").hidden = true;
    showError("");
    showStatus();
    if (lastAsk) ask(...lastAsk);
  });

  $("viewer-close").addEventListener("click", closeViewer);

  showStatus();
  const shared = new URLSearchParams(location.hash.slice(1)).get("q");
  if (shared) {
    $("question").value = shared;
    ask(shared, "hybrid", null);
  }
})();
