// The sandbox page: polls what the chosen person sees, renders Block Kit, and sends what they
// do to the sandbox's API (which signs it and sends it to the bot as Slack does).
"use strict";

const CONFIG = JSON.parse(document.getElementById("config").textContent);
const PEOPLE = Object.fromEntries(CONFIG.people.map((p) => [p.id, p]));
const CHANNELS = Object.fromEntries(CONFIG.channels.map((c) => [c.id, c]));
const EMOJI = {
  warning: "⚠️", white_check_mark: "✅", lock: "🔒", no_entry: "⛔", email: "📧", x: "❌",
  mag: "🔍", hourglass_flowing_sand: "⏳", hourglass: "⌛", question: "❓", moneybag: "💰",
  money_with_wings: "💸", information_source: "ℹ️", inbox_tray: "📥", bulb: "💡",
  red_circle: "🔴", large_orange_circle: "🟠", large_green_circle: "🟢", file_cabinet: "🗄️",
  tada: "🎉", bell: "🔔", calendar: "📅", page_facing_up: "📄", paperclip: "📎", link: "🔗",
  heavy_check_mark: "✔️", clipboard: "📋", bank: "🏦", receipt: "🧾", wave: "👋",
  point_right: "👉", memo: "📝", key: "🔑", hammer_and_wrench: "🛠️", package: "📦",
};

const state = { user: CONFIG.people[0].id, place: "CSUPPORT", seen: {}, busy: false, modalKey: null, drafts: {} };
const $ = (id) => document.getElementById(id);
let uid = 0;
const nextId = (prefix) => `${prefix}-${++uid}`;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "html") node.innerHTML = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// -- mrkdwn ---------------------------------------------------------------------------------

function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function unescapeSlack(text) {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

function safeUrl(url) {
  return /^(https?:|mailto:|tel:|\/)/i.test(url) ? url : "#";
}

function formatPlain(raw) {
  let html = escapeHtml(unescapeSlack(raw));
  const codes = [];
  html = html.replace(/```([\s\S]+?)```/g, (_, code) => `\u0000${codes.push(`<pre>${code}</pre>`) - 1}\u0000`);
  html = html.replace(/`([^`\n]+)`/g, (_, code) => `\u0000${codes.push(`<code>${code}</code>`) - 1}\u0000`);
  html = html.replace(/(^|[\s(>"'])\*([^*\n]+)\*(?=$|[\s).,:;!?<"'])/g, "$1<strong>$2</strong>");
  html = html.replace(/(^|[\s(>"'])_([^_\n]+)_(?=$|[\s).,:;!?<"'])/g, "$1<em>$2</em>");
  html = html.replace(/(^|[\s(>"'])~([^~\n]+)~(?=$|[\s).,:;!?<"'])/g, "$1<del>$2</del>");
  html = html.replace(/:([a-z0-9_+-]+):/g, (m, name) => EMOJI[name] || m);
  html = html.replace(/^&gt; ?(.*)$/gm, "<blockquote>$1</blockquote>");
  html = html.replace(/\n/g, "<br>");
  return html.replace(/\u0000(\d+)\u0000/g, (_, i) => codes[Number(i)]);
}

function mrkdwn(text) {
  let html = "";
  let last = 0;
  for (const match of text.matchAll(/<([^<>]+)>/g)) {
    html += formatPlain(text.slice(last, match.index));
    last = match.index + match[0].length;
    const [target, label] = match[1].split("|", 2);
    if (target.startsWith("@")) {
      const person = PEOPLE[target.slice(1)];
      const name = person ? person.name : label || target.slice(1);
      html += `<span class="mention">@${escapeHtml(name)}</span>`;
    } else if (target.startsWith("#")) {
      const channel = CHANNELS[target.slice(1)];
      html += `<span class="mention">#${escapeHtml(channel ? channel.name : label || target.slice(1))}</span>`;
    } else if (target.startsWith("!")) {
      html += `<span class="mention">@${escapeHtml(label || target.slice(1).split("^")[0])}</span>`;
    } else {
      const url = unescapeSlack(target);
      html += `<a href="${escapeHtml(safeUrl(url))}" target="_blank" rel="noopener">${formatPlain(label || target)}</a>`;
    }
  }
  return html + formatPlain(text.slice(last));
}

function textNode(text, tag = "span") {
  if (!text) return el(tag);
  if (text.type === "mrkdwn") return el(tag, { html: mrkdwn(text.text || "") });
  const plain = text.emoji === false ? text.text : (text.text || "").replace(/:([a-z0-9_+-]+):/g, (m, n) => EMOJI[n] || m);
  return el(tag, {}, plain);
}

const plainText = (text) => (text ? text.text || "" : "");

// -- API ------------------------------------------------------------------------------------

async function api(path, body) {
  const response = await fetch(`/sandbox/api/${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ user: state.user, ...body }),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) notice(answer.error || `HTTP ${response.status}`);
  setTimeout(poll, 150);
  return answer;
}

function notice(text) {
  $("notice").textContent = text || "";
}

// -- elements -------------------------------------------------------------------------------

function confirmThen(confirm, go) {
  if (!confirm) return go();
  const layer = $("confirm-layer");
  const close = () => { layer.hidden = true; layer.replaceChildren(); };
  const box = el("div", { class: "confirm", role: "dialog", "aria-modal": "true", "data-testid": "confirm" },
    el("h2", {}, plainText(confirm.title) || "Bạn chắc chứ?"),
    textNode(confirm.text, "div"),
    el("div", { class: "buttons" },
      el("button", { type: "button", class: "btn", onclick: close }, plainText(confirm.deny) || "Hủy"),
      el("button", { type: "button", class: `btn ${confirm.style === "danger" ? "danger" : "primary"}`, onclick: () => { close(); go(); } },
        plainText(confirm.confirm) || "Đồng ý")));
  layer.replaceChildren(box);
  layer.hidden = false;
}

function sendAction(ctx, block, element, extra) {
  return api("action", {
    action_id: element.action_id, block_id: block.block_id,
    ts: ctx.ts, view_id: ctx.viewId, ...extra,
  });
}

function optionNodes(element, selected) {
  const groups = element.option_groups || [{ options: element.options || [] }];
  return groups.flatMap((group) => {
    const options = (group.options || []).map((o) =>
      el("option", { value: o.value, selected: selected.includes(o.value) }, plainText(o.text)));
    return group.label ? [el("optgroup", { label: plainText(group.label) }, options)] : options;
  });
}

function allOptions(element) {
  return (element.option_groups || [{ options: element.options || [] }]).flatMap((g) => g.options || []);
}

function currentEntry(ctx, block, element) {
  const values = (ctx.view && ctx.view.state && ctx.view.state.values) || {};
  return (values[block.block_id] || {})[element.action_id];
}

function renderElement(element, block, ctx, id) {
  const entry = currentEntry(ctx, block, element) || {};
  const inInput = block.type === "input";
  const dispatch = !inInput || block.dispatch_action;
  const attrs = { id, "data-block": block.block_id, "data-action": element.action_id, "data-type": element.type };
  const placeholder = plainText(element.placeholder);
  switch (element.type) {
    case "button": {
      const go = () => {
        if (element.url) window.open(element.url, "_blank", "noopener");
        sendAction(ctx, block, element, element.value !== undefined ? { value: element.value } : {});
      };
      const link = element.url ? { "data-url": element.url } : {};
      return el("button", { ...attrs, ...link, type: "button", class: element.style || "", onclick: () => confirmThen(element.confirm, go) },
        plainText(element.text));
    }
    case "image":
      return el("img", { src: element.image_url, alt: element.alt_text || "" });
    case "plain_text_input":
    case "email_text_input":
    case "url_text_input":
    case "number_input": {
      const type = { plain_text_input: "text", email_text_input: "email", url_text_input: "url", number_input: "number" }[element.type];
      const value = entry.value ?? element.initial_value ?? "";
      const props = {
        ...attrs, name: id, placeholder, required: inInput && !block.optional,
        minlength: element.min_length, maxlength: element.max_length,
      };
      if (type === "number") {
        Object.assign(props, { min: element.min_value, max: element.max_value, step: element.is_decimal_allowed ? "any" : "1" });
      }
      const input = element.multiline ? el("textarea", { ...props, rows: 3 }) : el("input", { ...props, type });
      input.value = value;
      input.addEventListener("input", () => { input.dataset.dirty = "1"; });
      if (dispatch) {
        const triggers = (element.dispatch_action_config || {}).trigger_actions_on || ["on_enter_pressed"];
        const fire = () => sendAction(ctx, block, element, { value: input.value });
        if (triggers.includes("on_character_entered")) input.addEventListener("change", fire);
        input.addEventListener("keydown", (e) => { if (e.key === "Enter" && !element.multiline) { e.preventDefault(); fire(); } });
        if (element.type === "number_input") input.addEventListener("change", fire);
      }
      return input;
    }
    case "static_select":
    case "users_select":
    case "conversations_select":
    case "channels_select": {
      let options;
      let selected;
      if (element.type === "static_select") {
        selected = [(entry.selected_option || element.initial_option || {}).value];
        options = optionNodes(element, selected);
      } else {
        const source = element.type === "users_select" ? CONFIG.people : CONFIG.channels;
        selected = [entry.selected_user || entry.selected_conversation || entry.selected_channel
          || element.initial_user || element.initial_conversation || element.initial_channel];
        options = source.map((s) => el("option", { value: s.id, selected: selected.includes(s.id) }, s.name));
      }
      const select = el("select", { ...attrs, required: inInput && !block.optional },
        el("option", { value: "", selected: !selected[0] }, placeholder || "Chọn…"), options);
      select.addEventListener("change", () => {
        select.dataset.dirty = "1";
        if (!dispatch || !select.value) return;
        const key = { static_select: "selected_option", users_select: "value" }[element.type] || "value";
        sendAction(ctx, block, element, { [key]: select.value });
      });
      return select;
    }
    case "multi_static_select": {
      const selected = (entry.selected_options || element.initial_options || []).map((o) => o.value);
      const select = el("select", { ...attrs, multiple: true }, optionNodes(element, selected));
      select.addEventListener("change", () => {
        select.dataset.dirty = "1";
        if (dispatch) sendAction(ctx, block, element, { selected_options: [...select.selectedOptions].map((o) => o.value) });
      });
      return select;
    }
    case "overflow": {
      const select = el("select", { ...attrs, "aria-label": "Thêm" }, el("option", { value: "" }, "⋯"), optionNodes(element, []));
      select.addEventListener("change", () => select.value && sendAction(ctx, block, element, { selected_option: select.value }));
      return select;
    }
    case "external_select":
      return renderExternalSelect(element, block, ctx, id, entry, attrs, placeholder, dispatch);
    case "checkboxes":
    case "radio_buttons": {
      const multi = element.type === "checkboxes";
      const chosen = multi
        ? (entry.selected_options || element.initial_options || []).map((o) => o.value)
        : [(entry.selected_option || element.initial_option || {}).value];
      const box = el("div", { ...attrs, id: `${id}-group`, role: multi ? "group" : "radiogroup" });
      allOptions(element).forEach((option, i) => {
        const inputId = i === 0 ? id : `${id}-${i}`;
        const input = el("input", { type: multi ? "checkbox" : "radio", id: inputId, name: id, value: option.value, checked: chosen.includes(option.value) });
        input.addEventListener("change", () => {
          box.dataset.dirty = "1";
          if (!dispatch) return;
          const picked = [...box.querySelectorAll("input:checked")].map((x) => x.value);
          sendAction(ctx, block, element, multi ? { selected_options: picked } : { selected_option: picked[0] });
        });
        box.append(el("div", { class: "choice" }, input,
          el("label", { for: inputId }, textNode(option.text), option.description ? el("div", { class: "hint" }, textNode(option.description)) : null)));
      });
      return box;
    }
    case "datepicker": {
      const input = el("input", { ...attrs, type: "date", required: inInput && !block.optional });
      input.value = entry.selected_date || element.initial_date || "";
      input.addEventListener("change", () => {
        input.dataset.dirty = "1";
        if (dispatch) sendAction(ctx, block, element, { selected_date: input.value });
      });
      return input;
    }
    case "file_input": {
      const max = element.max_files || 10;
      const accept = (element.filetypes || []).map((t) => `.${t}`).join(",");
      const input = el("input", { ...attrs, type: "file", multiple: max > 1, accept: accept || null, required: inInput && !block.optional });
      const list = el("div", { class: "files-chosen" });
      input.dataset.files = "[]";
      input.addEventListener("change", async () => {
        input.dataset.dirty = "1";
        const ids = [];
        list.textContent = "Đang tải lên…";
        for (const file of [...input.files].slice(0, max)) {
          const query = new URLSearchParams({ user: state.user, name: file.name });
          const response = await fetch(`/sandbox/api/upload?${query}`, { method: "POST", body: file, headers: { "Content-Type": file.type || "application/octet-stream" } });
          const uploaded = await response.json();
          if (uploaded.id) ids.push(uploaded.id);
        }
        input.dataset.files = JSON.stringify(ids);
        list.textContent = ids.length ? `Đã tải lên ${ids.length} tệp: ${[...input.files].map((f) => f.name).join(", ")}` : "";
        input.dataset.uploaded = String(ids.length);
      });
      return el("div", {}, input, list);
    }
    default:
      return el("span", { class: "hint" }, `[${element.type}]`);
  }
}

function renderExternalSelect(element, block, ctx, id, entry, attrs, placeholder, dispatch) {
  const chosen = entry.selected_option || element.initial_option || null;
  const input = el("input", { ...attrs, type: "text", autocomplete: "off", placeholder: placeholder || "Gõ để tìm…", required: block.type === "input" && !block.optional, role: "combobox" });
  input.value = chosen ? plainText(chosen.text) : "";
  input.dataset.option = chosen ? JSON.stringify(chosen) : "";
  const list = el("ul", { hidden: true, role: "listbox" });
  let timer = null;
  input.addEventListener("input", () => {
    input.dataset.dirty = "1";
    input.dataset.option = "";
    clearTimeout(timer);
    const query = input.value;
    if (query.length < (element.min_query_length ?? 3)) { list.hidden = true; return; }
    timer = setTimeout(async () => {
      const answer = await api("suggest", { view_id: ctx.viewId, action_id: element.action_id, block_id: block.block_id, value: query });
      const options = (answer.options || []).concat(...(answer.option_groups || []).map((g) => g.options || []));
      list.replaceChildren(...options.map((option) => el("li", {}, el("button", {
        type: "button", role: "option",
        onclick: () => {
          input.value = plainText(option.text);
          input.dataset.option = JSON.stringify(option);
          list.hidden = true;
          if (dispatch) sendAction(ctx, block, element, { selected_option: option });
        },
      }, plainText(option.text)))));
      if (!options.length) list.replaceChildren(el("li", { class: "hint" }, "Không có kết quả"));
      list.hidden = false;
    }, 250);
  });
  return el("div", { class: "suggest" }, input, list);
}

// -- blocks ---------------------------------------------------------------------------------

function renderBlocks(blocks, ctx) {
  return (blocks || []).map((block) => renderBlock(block, ctx));
}

function renderBlock(block, ctx) {
  switch (block.type) {
    case "section": {
      const main = el("div", { class: "section-text" },
        block.text ? textNode(block.text, "div") : null,
        block.fields ? el("div", { class: "fields" }, block.fields.map((f) => textNode(f, "div"))) : null);
      const accessory = block.accessory ? el("div", { class: "accessory" }, renderElement(block.accessory, block, ctx, nextId("el"))) : null;
      return el("div", { class: "block section", "data-block-id": block.block_id }, main, accessory);
    }
    case "header":
      return el("div", { class: "block block-header" }, textNode(block.text));
    case "divider":
      return el("hr");
    case "context":
      return el("div", { class: "block context" }, (block.elements || []).map((e) =>
        e.type === "image" ? el("img", { src: e.image_url, alt: e.alt_text || "" }) : textNode(e)));
    case "image":
      return el("figure", { class: "block block-image" },
        block.title ? el("div", { class: "title" }, plainText(block.title)) : null,
        el("img", { src: block.image_url, alt: block.alt_text || "" }));
    case "actions":
      return el("div", { class: "block actions", "data-block-id": block.block_id },
        (block.elements || []).map((e) => renderElement(e, block, ctx, nextId("el"))));
    case "input": {
      const id = nextId("input");
      const error = (ctx.errors || {})[block.block_id];
      const kids = [
        el("label", { for: id }, plainText(block.label), block.optional ? el("span", { class: "optional" }, " (không bắt buộc)") : null),
        renderElement(block.element, block, ctx, id),
        block.hint ? el("div", { class: "hint" }, plainText(block.hint)) : null,
        error ? el("div", { class: "error", role: "alert", "data-testid": "input-error" }, error) : null,
      ];
      return el("div", { class: `block input-block${error ? " invalid" : ""}`, "data-block-id": block.block_id }, kids);
    }
    case "rich_text":
      return el("div", { class: "block" }, JSON.stringify(block.elements || []).replace(/.*?"text":"([^"]*)".*?/g, "$1"));
    default:
      return el("div", { class: "block hint" }, `[${block.type}]`);
  }
}

// -- messages -------------------------------------------------------------------------------

function renderMessage(message, replies) {
  const ctx = { ts: message.ts };
  const author = message.author || "MISA Store";
  const time = new Date(Number(message.ts) * 1000).toLocaleTimeString("vi-VN", { hour: "2-digit", minute: "2-digit", timeZone: "Asia/Ho_Chi_Minh" });
  const body = message.blocks && message.blocks.length
    ? renderBlocks(message.blocks, ctx)
    : [el("div", { html: mrkdwn(message.text || "") })];
  const files = (message.files || []).map((f) =>
    el("div", { class: "file", "data-testid": "file" },
      /^image\//.test(f.mimetype || "") ? el("img", { src: f.url, alt: f.title || f.name }) : null,
      el("div", { class: "name" }, el("a", { href: f.url, target: "_blank", download: f.name }, `📎 ${f.title || f.name}`))));
  const thread = replies && replies.length
    ? el("div", { class: "thread", "data-testid": "thread" }, replies.map((r) => renderMessage(r, [])))
    : null;
  const unfurls = Object.values(message.unfurls || {}).map((preview) =>
    el("div", { class: "unfurl", "data-testid": "unfurl" }, renderBlocks(preview.blocks || [], ctx)));
  return el("article", { class: `message${message.ephemeral ? " ephemeral" : ""}`, "data-testid": "message", "data-ts": message.ts },
    el("div", { class: "avatar" }, author.slice(0, 1)),
    el("div", {},
      el("div", { class: "meta" }, el("strong", {}, author), time, message.edited ? " (đã sửa)" : ""),
      message.ephemeral ? el("div", { class: "ephemeral-note" }, "Chỉ bạn thấy tin nhắn này") : null,
      body, unfurls, files, thread));
}

function renderMessages(messages) {
  const byParent = {};
  const top = [];
  for (const m of messages) {
    if (m.thread_ts && m.thread_ts !== m.ts) (byParent[m.thread_ts] ||= []).push(m);
    else top.push(m);
  }
  const box = $("messages");
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  box.replaceChildren(...(top.length ? top.map((m) => renderMessage(m, byParent[m.ts])) : [el("p", { class: "empty" }, "Chưa có tin nhắn. Gõ /misa help để bắt đầu.")]));
  if (atBottom) box.scrollTop = box.scrollHeight;
}

// -- modal ----------------------------------------------------------------------------------

function domValues(container) {
  const values = {};
  container.querySelectorAll("[data-dirty='1']").forEach((node) => {
    values[`${node.dataset.block}/${node.dataset.action}`] = readValue(node);
  });
  return values;
}

function restoreValues(container, saved) {
  container.querySelectorAll("[data-action]").forEach((node) => {
    const key = `${node.dataset.block}/${node.dataset.action}`;
    if (!(key in saved)) return;
    const value = saved[key];
    node.dataset.dirty = "1";
    const type = node.dataset.type;
    if (type === "checkboxes" || type === "radio_buttons") {
      const chosen = Array.isArray(value) ? value : [value && value.value !== undefined ? value : value];
      node.querySelectorAll("input").forEach((i) => { i.checked = chosen.includes(i.value); });
    } else if (type === "external_select") {
      node.dataset.option = value ? JSON.stringify(value) : "";
      node.value = value ? plainText(value.text) : "";
    } else if (type === "file_input") {
      node.dataset.files = JSON.stringify(value || []);
      node.dataset.uploaded = String((value || []).length);
      if ((value || []).length) {
        node.required = false;  // uploaded already: the browser's own file list is empty now
        node.nextElementSibling.textContent = `Đã tải lên ${value.length} tệp`;
      }
    } else if (node.multiple && Array.isArray(value)) {
      [...node.options].forEach((o) => { o.selected = value.includes(o.value); });
    } else {
      node.value = value ?? "";
    }
  });
}

function readValue(node) {
  switch (node.dataset.type) {
    case "checkboxes":
      return [...node.querySelectorAll("input:checked")].map((i) => i.value);
    case "radio_buttons":
      return (node.querySelector("input:checked") || {}).value || null;
    case "external_select":
      return node.dataset.option ? JSON.parse(node.dataset.option) : null;
    case "multi_static_select":
      return [...node.selectedOptions].map((o) => o.value);
    case "file_input":
      return JSON.parse(node.dataset.files || "[]");
    default:
      return node.value === "" ? null : node.value;
  }
}

function renderModal(modal) {
  const layer = $("modal-layer");
  if (!modal) {
    state.modalKey = null;
    state.modalViewId = null;
    state.drafts = {};
    layer.hidden = true;
    layer.replaceChildren();
    return;
  }
  const view = modal.view;
  const key = JSON.stringify([view.id, view.hash, view.blocks, view.state, modal.errors]);
  if (key === state.modalKey) return;
  // What the person typed stays with its view while another is pushed on top (as in Slack).
  if (state.modalViewId) state.drafts[state.modalViewId] = { ...state.drafts[state.modalViewId], ...domValues(layer) };
  const saved = state.drafts[view.id] || {};
  state.modalKey = key;
  state.modalViewId = view.id;
  const ctx = { viewId: view.id, view, errors: modal.errors };
  const form = el("form", { class: "modal", "data-testid": "modal", "data-callback-id": view.callback_id || "", role: "dialog", "aria-modal": "true", "aria-label": plainText(view.title), novalidate: false },
    el("header", {}, el("h2", {}, plainText(view.title)),
      el("button", { type: "button", class: "btn", "aria-label": "Đóng", "data-testid": "modal-close", onclick: () => api("close", { view_id: view.id }) }, "✕")),
    el("div", { class: "body" }, renderBlocks(view.blocks, ctx)),
    el("footer", {},
      el("button", { type: "button", class: "btn", onclick: () => api("close", { view_id: view.id }) }, plainText(view.close) || "Hủy"),
      view.submit ? el("button", { type: "submit", class: "btn primary", "data-testid": "modal-submit" }, plainText(view.submit)) : null));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = {};
    form.querySelectorAll(".input-block [data-action]").forEach((node) => {
      values[node.dataset.block] = readValue(node);
    });
    const answer = await api("submit", { view_id: view.id, values });
    if (answer.blocked) notice(answer.blocked);
  });
  layer.replaceChildren(form);
  restoreValues(form, saved);
  layer.hidden = false;
}

// -- inbox, outbound events and home ---------------------------------------------------------

const PANELS = ["home", "inbox", "events"];
const EVENT_STATUS = { sent: "đã gửi", pending: "đang chờ gửi lại", dead: "bỏ cuộc", dropped: "đã hủy" };

function renderInbox(emails) {
  $("inbox-count").textContent = emails.length ? `(${emails.length})` : "";
  const box = $("inbox");
  if (!emails.length) {
    box.replaceChildren(el("p", { class: "empty" }, "Chưa có email nào được gửi."));
    return;
  }
  box.replaceChildren(...emails.map((mail) =>
    el("article", { class: "email", "data-testid": "email" },
      el("header", {}, el("strong", { "data-testid": "email-subject" }, mail.subject), `Tới: ${mail.to} · Từ: ${mail.from}${mail.date ? ` · ${mail.date}` : ""}`,
        mail.attachments.length ? el("div", {}, `📎 ${mail.attachments.join(", ")}`) : null),
      el("iframe", { sandbox: "", srcdoc: mail.html || `<pre>${escapeHtml(mail.text)}</pre>`, title: mail.subject }))));
}

function renderEvents(sent) {
  const events = sent ? sent.events : [];
  $("events-count").textContent = events.length ? `(${events.length})` : "";
  const box = $("events");
  const intro = el("p", { class: "empty" }, "Sự kiện ký theo Standard Webhooks, gửi tới bộ nhận của sandbox (nó kiểm tra chữ ký)."
    + (sent && sent.refused ? ` Chữ ký sai: ${sent.refused}.` : ""));
  if (!events.length) {
    box.replaceChildren(intro, el("p", { class: "empty" }, "Chưa có sự kiện nào được gửi."));
    return;
  }
  box.replaceChildren(intro, ...events.map((event) =>
    el("article", { class: "email", "data-testid": "event" },
      el("header", {},
        el("strong", { "data-testid": "event-type" }, event.type),
        `${event.id} · ${event.time} · `,
        el("span", { "data-testid": "event-status" }, EVENT_STATUS[event.status] || event.status),
        event.received ? " · ✅ bộ nhận đã kiểm tra chữ ký" : "",
        event.error ? el("div", {}, `⚠️ ${event.error} (lần ${event.attempts})`) : null),
      el("pre", { class: "event-body", "data-testid": "event-body" }, JSON.stringify(event.body, null, 2)))));
}

function renderHome(home) {
  const box = $("home");
  if (!home) {
    box.replaceChildren(el("p", { class: "empty" }, "Đang mở Trang chủ…"));
    return;
  }
  box.replaceChildren(...renderBlocks(home.blocks, { viewId: home.id, view: home }));
}

// -- navigation and polling -----------------------------------------------------------------

function channelFor(place) {
  return place === "dm" ? `D${state.user}` : place;
}

function show(place) {
  state.place = place;
  state.seen = {};
  for (const link of document.querySelectorAll(".sidebar a")) link.classList.toggle("active", link.dataset.channel === place);
  const isChat = !PANELS.includes(place);
  $("messages").hidden = !isChat;
  $("composer-form").hidden = !isChat;
  $("home").hidden = place !== "home";
  $("inbox").hidden = place !== "inbox";
  $("events").hidden = place !== "events";
  const titles = { home: "MISA Store · Trang chủ", inbox: "Hộp thư khách hàng (SMTP sandbox)", events: "Sự kiện gửi đi (webhook)", dm: "MISA Store" };
  $("title").textContent = titles[place] || `# ${CHANNELS[place].name}`;
  $("subtitle").textContent = place === "dm" ? "Tin nhắn trực tiếp với ứng dụng" : "";
  if (place === "home") api("home", {});
  poll();
}

async function poll() {
  if (state.busy) return;
  state.busy = true;
  try {
    const place = PANELS.includes(state.place) ? `D${state.user}` : channelFor(state.place);
    const query = new URLSearchParams({ user: state.user, channel: place });
    const response = await fetch(`/sandbox/api/state?${query}`);
    if (!response.ok) return;
    const data = await response.json();
    if (query.get("user") !== state.user || place !== channelFor(state.place) && !PANELS.includes(state.place)) {
      return;  // the person or the place changed meanwhile: the next poll shows theirs
    }
    const parts = { messages: data.messages, home: data.home, emails: data.emails, events: data.events };
    for (const [name, value] of Object.entries(parts)) {
      const key = JSON.stringify(value);
      if (state.seen[name] === key) continue;
      state.seen[name] = key;
      if (name === "messages" && !PANELS.includes(state.place)) renderMessages(value);
      if (name === "home") renderHome(value);
      if (name === "emails") renderInbox(value);
      if (name === "events") renderEvents(value);
    }
    renderModal(data.modal);
  } finally {
    state.busy = false;
  }
}

document.querySelectorAll(".sidebar a[data-channel]").forEach((link) => {
  link.addEventListener("click", (event) => {
    event.preventDefault();
    show(link.dataset.channel);
  });
});

$("as-user").addEventListener("change", (event) => {
  state.user = event.target.value;
  state.modalKey = null;
  state.modalViewId = null;
  state.drafts = {};
  $("messages").replaceChildren();
  show(state.place);
});

$("composer").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey) {
    event.preventDefault();
    $("composer-form").requestSubmit();
  }
});

$("shortcut").addEventListener("click", async () => {
  await api("shortcut", {});
});

$("composer-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = $("composer").value.trim();
  if (!text) return;
  notice("");
  $("composer").value = "";
  // A slash command goes to the bot; anything else is a message in the channel (a link to an
  // order page in it is previewed by the bot).
  if (text.startsWith("/")) await api("command", { channel: channelFor(state.place), text });
  else await api("say", { channel: channelFor(state.place), text });
});

$("jobs").addEventListener("submit", async (event) => {
  event.preventDefault();
  const answer = await api("jobs", { name: $("job-name").value, date: $("job-date").value });
  if (answer.job) $("job-result").textContent = `${answer.job}: ${answer.due} đến hạn, ${answer.sent} nhắc nhở gửi đi.`;
});

show(location.hash === "#home" ? "home" : "CSUPPORT");
setInterval(poll, 700);
