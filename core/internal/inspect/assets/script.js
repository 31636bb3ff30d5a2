// The Personyze inspector's page: it lists the requests the inspector kept (requests, JSON)
// and adds new ones as the server announces them (events, server-sent events). Everything
// is built with textContent, never as HTML: paths and reasons come from visitors' requests.
"use strict";
(function () {
  const list = document.getElementById("requests");
  const input = document.getElementById("visitor");
  const form = document.getElementById("filter");
  const live = document.getElementById("live");
  let source = null;
  let size = 100;

  function el(tag, cls, text) {
    const n = document.createElement(tag);
    if (cls) n.className = cls;
    if (text !== undefined && text !== null) n.textContent = String(text);
    return n;
  }
  function pad(n, w) { return String(n).padStart(w, "0"); }
  function clock(iso) {
    const d = new Date(iso);
    return pad(d.getHours(), 2) + ":" + pad(d.getMinutes(), 2) + ":" + pad(d.getSeconds(), 2) + "." + pad(d.getMilliseconds(), 3);
  }
  const navigatePrefix = "urn:personyze:doc:";
  function command(c) {
    const args = (c.args || []).map(function (a) {
      if (a.indexOf(navigatePrefix) === 0) {
        try { return decodeURIComponent(a.slice(navigatePrefix.length).replace(/\+/g, " ")); } catch (e) { return a; }
      }
      return a === "" ? '""' : a;
    });
    if (c.action_id) args.push("action_id=" + c.action_id);
    return c.name + "(" + args.join(", ") + ")";
  }
  function outcomeClass(o) {
    return (o === "ok" || o === "skipped" || o === "pending") ? "outcome-" + o : "outcome-bad";
  }
  function section(body, title) {
    const s = el("section");
    s.appendChild(el("h2", "", title));
    body.appendChild(s);
    return s;
  }
  function facts(parent, pairs) {
    const dl = el("dl");
    pairs.forEach(function (p) {
      if (p[1] === undefined || p[1] === null || p[1] === "" || p[1] === false) return;
      dl.appendChild(el("dt", "", p[0]));
      const dd = el("dd");
      if (p[1] instanceof Node) dd.appendChild(p[1]); else dd.textContent = p[1] === true ? "yes" : String(p[1]);
      dl.appendChild(dd);
    });
    parent.appendChild(dl);
  }
  function items(parent, values, empty) {
    if (!values || values.length === 0) { parent.appendChild(el("p", "note", empty)); return; }
    const ul = el("ul", "mono");
    values.forEach(function (v) { ul.appendChild(el("li", "", v)); });
    parent.appendChild(ul);
  }
  function userButton(id) {
    const b = el("button", "uid mono", id);
    b.type = "button";
    b.title = "Show only this visitor's requests";
    b.addEventListener("click", function (ev) { ev.preventDefault(); setVisitor(String(id)); });
    return b;
  }

  function row(e) {
    const d = el("details", "req");
    d.dataset.seq = e.seq;
    d.dataset.path = e.path;
    d.dataset.outcome = e.outcome;
    if (e.visitor.user_id) d.dataset.visitor = e.visitor.user_id;
    const s = el("summary");
    s.appendChild(el("span", "when mono", clock(e.time)));
    s.appendChild(el("span", "path", e.method + " " + e.path));
    if (e.status) s.appendChild(el("span", "status mono", e.status));
    s.appendChild(el("span", "badge kind kind-" + e.kind, e.kind));
    s.appendChild(el("span", "reason", e.reason));
    s.appendChild(el("span", "badge outcome " + outcomeClass(e.outcome), e.outcome));
    if (e.waited_ms > 0) s.appendChild(el("span", "waited mono", e.waited_ms + " ms"));
    const sent = (e.sent || []).map(command);
    const late = (e.late || []).map(command);
    let line = sent.length ? "sent " + sent.join(", ") : "nothing sent";
    if (late.length) line += "; after the page: " + late.join(", ");
    s.appendChild(el("span", "cmds mono", line));
    d.appendChild(s);

    const body = el("div", "body");
    const v = e.visitor;
    facts(section(body, "Visitor"), [
      ["user id", v.user_id ? userButton(v.user_id) : ""], ["session", v.session_id], ["new visitor", v.new_visitor],
      ["languages", v.languages], ["device", v.device_type], ["os", v.os], ["platform", v.platform],
      ["time zone", v.time_zone === undefined ? "" : v.time_zone], ["screen", v.screen],
      ["followed action", e.attribution || ""]]);
    facts(section(body, "Call"), [
      ["outcome", e.outcome], ["error", e.error], ["page waited", e.waited_ms + " ms"], ["stale", e.stale],
      ["breaker", e.breaker], ["streamed", e.streamed ? true : "no"], ["status", e.status || ""]]);
    const cmds = section(body, "Commands");
    items(cmds, sent, "none in the page's call");
    if (late.length) { cmds.appendChild(el("p", "note", "tracked after the call, sent in the background:")); items(cmds, late, ""); }
    if (e.held && e.held.length) { cmds.appendChild(el("p", "note", "held for the visitor's next call:")); items(cmds, e.held.map(command), ""); }
    const ans = section(body, "Answer");
    items(ans, (e.actions || []).map(function (a) {
      let t = "#" + a.id + " " + (a.name || "(name not known yet)") + " · " + (a.type || "type not known yet");
      if (a.items) t += " · " + a.items + " item" + (a.items === 1 ? "" : "s");
      if (a.placeholders && a.placeholders.length) t += " · in " + a.placeholders.join(", ");
      return t;
    }), "no actions");
    items(ans, (e.campaigns || []).map(function (c) { return "campaign #" + c.id + " " + (c.name || "(name not known yet)"); }), "no campaigns");
    const resp = section(body, "Response");
    items(resp, (e.cookies || []).map(function (c) {
      const a = [c.deleted ? c.name + " deleted" : c.name + " set"];
      if (c.path) a.push("Path=" + c.path);
      if (c.domain) a.push("Domain=" + c.domain);
      if (c.max_age > 0) a.push("Max-Age=" + c.max_age);
      if (c.expires) a.push("Expires=" + c.expires);
      if (c.secure) a.push("Secure");
      if (c.http_only) a.push("HttpOnly");
      if (c.same_site) a.push("SameSite=" + c.same_site);
      return a.join("; ");
    }), "no cookie written");
    facts(resp, [["Cache-Control", e.cache.cache_control], ["Vary", e.cache.vary]]);
    d.appendChild(body);
    return d;
  }

  function count() {
    document.getElementById("count").textContent = list.children.length;
    document.getElementById("empty").hidden = list.children.length > 0;
  }
  function add(e, fresh) {
    const r = row(e);
    if (fresh) r.classList.add("fresh");
    list.insertBefore(r, list.firstChild);
    while (list.children.length > size) list.removeChild(list.lastChild);
    document.getElementById("breaker").textContent = e.breaker;
    count();
  }
  function query(extra) {
    const p = new URLSearchParams(extra);
    if (input.value) p.set("visitor", input.value);
    const s = p.toString();
    return s ? "?" + s : "";
  }
  function state(s) { live.dataset.state = s; live.textContent = s; }

  function load() {
    if (source) { source.close(); source = null; }
    state("connecting");
    fetch("requests" + query({}), { cache: "no-store" }).then(function (r) {
      if (!r.ok) return r.text().then(function (t) { throw new Error(t); });
      return r.json();
    }).then(function (doc) {
      size = doc.size;
      document.getElementById("size").textContent = doc.size;
      document.getElementById("breaker").textContent = doc.breaker;
      list.textContent = "";
      doc.requests.slice().reverse().forEach(function (e) { add(e, false); });
      count();
      source = new EventSource("events" + query({ since: doc.last }));
      source.addEventListener("open", function () { state("live"); });
      source.addEventListener("error", function () { state("connecting"); });
      source.addEventListener("request", function (m) { add(JSON.parse(m.data), true); });
    }).catch(function (err) {
      state("error: " + err.message);
    });
  }
  function setVisitor(id) {
    input.value = id;
    const u = new URL(location.href);
    if (id) u.searchParams.set("visitor", id); else u.searchParams.delete("visitor");
    history.replaceState(null, "", u);
    load();
  }
  form.addEventListener("submit", function (ev) { ev.preventDefault(); setVisitor(input.value.trim()); });
  form.addEventListener("reset", function (ev) { ev.preventDefault(); setVisitor(""); });
  input.value = new URL(location.href).searchParams.get("visitor") || "";
  load();
})();
