// Renders /openapi.json as a page: each route, its parameters, body and answers (no CDN needed).
"use strict";

(() => {
  const api = document.getElementById("api");

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function typeOf(schema, spec) {
    if (!schema) return "";
    if (schema.$ref) return schema.$ref.split("/").pop();
    if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(" | ");
    if (schema.anyOf) return schema.anyOf.map((s) => typeOf(s, spec)).join(" | ");
    let type = schema.type || "";
    const limits = [];
    if (schema.minimum !== undefined) limits.push("\u2265 " + schema.minimum);
    if (schema.maximum !== undefined) limits.push("\u2264 " + schema.maximum);
    if (limits.length) type += " (" + limits.join(", ") + ")";
    return type;
  }

  function fieldTable(rows) {
    const table = el("table", "fields");
    const head = el("tr");
    for (const h of ["name", "type", "required", "default", "description"]) head.append(el("th", "", h));
    table.append(head);
    for (const r of rows) {
      const tr = el("tr");
      for (const cell of r) tr.append(el("td", "", cell));
      table.append(tr);
    }
    return table;
  }

  function render(spec) {
    document.title = spec.info.title + " API " + spec.info.version;
    api.append(el("p", "", spec.info.description || ""));
    for (const [path, methods] of Object.entries(spec.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const section = el("section", "route");
        section.append(el("h2", "", method.toUpperCase() + " " + path));
        if (op.description) section.append(el("p", "", op.description));
        const params = (op.parameters || []).map((p) => [
          p.name + " (" + p.in + ")", typeOf(p.schema, spec), p.required ? "yes" : "no",
          p.schema && p.schema.default !== undefined ? JSON.stringify(p.schema.default) : "",
          p.description || (p.schema && p.schema.description) || ""]);
        const body = op.requestBody && op.requestBody.content["application/json"];
        if (body && body.schema && body.schema.properties) {
          const required = body.schema.required || [];
          for (const [name, s] of Object.entries(body.schema.properties)) {
            params.push([name + " (JSON body)", typeOf(s, spec), required.includes(name) ? "yes" : "no",
              s.default !== undefined ? JSON.stringify(s.default) : "", s.description || ""]);
          }
        }
        if (params.length) section.append(fieldTable(params));
        const answers = el("ul", "answers");
        for (const [code, r] of Object.entries(op.responses || {})) {
          answers.append(el("li", "", code + ": " + (r.description || "")));
        }
        section.append(answers);
        api.append(section);
      }
    }
  }

  fetch("/openapi.json")
    .then((res) => { if (!res.ok) throw new Error("cannot read /openapi.json: " + res.status); return res.json(); })
    .then(render)
    .catch((err) => {
      const box = document.getElementById("error");
      box.textContent = err.message;
      box.hidden = false;
    });
})();
