"use strict";
// The playground chat page. Message text is only ever added as text nodes: entities become DOM elements,
// never HTML strings, so whatever the bot sends cannot inject markup into the page.

const state = { users: [], userId: null, version: 0, poll: null, typingTimer: null, toastTimer: null };
const $ = (selector) => document.querySelector(selector);
const byTestId = (id) => document.querySelector(`[data-testid="${id}"]`);
const SAFE_URL_SCHEMES = new Set(["http:", "https:", "tg:", "mailto:"]);
const CHAT_ACTION_LABELS = {
  typing: "typing…",
  upload_photo: "sending a photo…",
  upload_document: "sending a file…",
  find_location: "choosing a location…",
  choose_sticker: "choosing a sticker…",
};

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null) node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

function safeUrl(url) {
  try {
    const parsed = new URL(url, window.location.href);
    return SAFE_URL_SCHEMES.has(parsed.protocol) ? parsed.href : "#";
  } catch {
    return "#";
  }
}

async function api(path, options = {}) {
  const response = await fetch(`/playground/api${path}`, options);
  if (!response.ok) {
    let detail = response.statusText;
    try {
      detail = (await response.json()).detail ?? detail;
    } catch {
      // the body was not JSON; the status text will do
    }
    throw new Error(typeof detail === "string" ? detail : JSON.stringify(detail));
  }
  return response.json();
}

const postJson = (path, body) =>
  api(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });

function showToast(text) {
  const toast = byTestId("notice");
  toast.textContent = text;
  toast.hidden = false;
  clearTimeout(state.toastTimer);
  state.toastTimer = setTimeout(() => { toast.hidden = true; }, 3000);
}

function showAlert(text) {
  $(".dialog-text").textContent = text;
  byTestId("alert-dialog").hidden = false;
}

const reportError = (error) => showToast(`⚠ ${error.message}`);

// ---- users -------------------------------------------------------------------------------------------

async function loadUsers() {
  state.users = (await api("/users")).users;
  renderUsers();
}

function renderUsers() {
  const items = state.users.map((user) => {
    const toggle = element("input", { type: "checkbox", "data-testid": "user-blocked-toggle" });
    toggle.checked = user.blocked;
    toggle.addEventListener("click", (event) => event.stopPropagation());
    toggle.addEventListener("change", () =>
      postJson(`/users/${user.id}/blocked`, { blocked: toggle.checked }).then(loadUsers).catch(reportError));
    const item = element(
      "li",
      { class: `user-item${user.id === state.userId ? " selected" : ""}`, "data-testid": "user-item", "data-user-id": user.id },
      element("div", {}, element("div", { class: "name" }, user.first_name),
        element("div", { class: "meta" }, `${user.id} · ${user.language_code}`)),
      element("label", { title: "The user blocked the bot" }, toggle, " blocked"),
    );
    item.addEventListener("click", () => selectUser(user.id));
    return item;
  });
  byTestId("user-list").replaceChildren(...items);
}

async function createUser(event) {
  event.preventDefault();
  const form = event.target;
  const user = await postJson("/users", {
    first_name: form.first_name.value.trim(),
    language_code: form.language_code.value,
  });
  form.first_name.value = "";
  await loadUsers();
  selectUser(user.id);
}

// ---- chat --------------------------------------------------------------------------------------------

function selectUser(userId) {
  if (state.poll) state.poll.abort();
  state.userId = userId;
  state.version = 0;
  window.location.hash = String(userId);
  byTestId("message-list").replaceChildren();
  renderUsers();
  const user = state.users.find((candidate) => candidate.id === userId);
  byTestId("chat-title").textContent = user ? `${user.first_name} (${user.id})` : String(userId);
  const poll = new AbortController();
  state.poll = poll;
  api(`/chats/${userId}/messages`, { signal: poll.signal })
    .then((snapshot) => {
      applyChatState(snapshot, { initial: true });
      return pollChanges(userId, poll.signal);
    })
    .catch((error) => { if (!poll.signal.aborted) reportError(error); });
}

async function pollChanges(userId, signal) {
  while (!signal.aborted) {
    try {
      const changes = await api(`/chats/${userId}/updates?after=${state.version}`, { signal });
      applyChatState(changes, { initial: false });
    } catch (error) {
      if (signal.aborted) return;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

function applyChatState(chat, { initial }) {
  state.version = chat.version;
  for (const message of chat.messages) upsertMessage(message);
  renderTyping(chat.chat_action, chat.chat_action_seconds);
  renderReplyKeyboard(chat.reply_keyboard);
  byTestId("warnings").replaceChildren(
    ...chat.warnings.map((warning) => element("div", { "data-testid": "warning" }, `⚠ ${warning.text}`)));
  if (!initial) {
    for (const notice of chat.notices) {
      const text = notice.url ? `${notice.text} ${notice.url}`.trim() : notice.text;
      if (notice.show_alert) showAlert(text); else showToast(text);
    }
  }
  const known = state.users.find((user) => user.id === chat.user.id);
  if (known && known.blocked !== chat.user.blocked) loadUsers().catch(reportError);
}

function upsertMessage(message) {
  const list = byTestId("message-list");
  const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  const bubble = renderMessage(message);
  const existing = list.querySelector(`[data-message-id="${message.id}"]`);
  if (existing) existing.replaceWith(bubble); else list.append(bubble);
  if (nearBottom || message.from === "user") list.scrollTop = list.scrollHeight;
}

function renderMessage(message) {
  const bubble = element("div", {
    class: `message ${message.from}`,
    "data-testid": "message-bubble",
    "data-message-id": message.id,
    "data-from": message.from,
  });
  if (message.deleted) {
    bubble.classList.add("deleted");
    bubble.dataset.deleted = "true";
    bubble.append("message deleted by the bot");
    return bubble;
  }
  if (message.photo_url) {
    const image = element("img", { src: message.photo_url, alt: "photo", "data-testid": "chart-image" });
    image.addEventListener("click", () => openLightbox(message.photo_url));
    bubble.append(image);
  }
  if (message.document) {
    const { name, url, size } = message.document;
    const label = `📄 ${name}${size ? ` (${Math.ceil(size / 1024)} KB)` : ""}`;
    bubble.append(element("a", { href: url, download: name, "data-testid": "message-document" }, label));
  }
  if (message.voice) {
    const audio = element("audio", { src: message.voice.url, controls: "", "data-testid": "message-voice" });
    bubble.append(element("div", { class: "voice" }, `🎙 ${message.voice.duration} s`), audio);
  }
  if (message.location) {
    const { latitude, longitude } = message.location;
    bubble.append(element("div", { "data-testid": "message-location" }, `📍 ${latitude}, ${longitude}`));
  }
  const body = message.text ?? message.caption;
  if (body) {
    bubble.append(element("div", { class: "text", "data-testid": "message-text" }, renderEntities(body, message.entities)));
  }
  if (message.keyboard) bubble.append(renderInlineKeyboard(message));
  const time = new Date(message.date * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  bubble.append(element("div", { class: "meta" }, message.edited ? `edited · ${time}` : time));
  return bubble;
}

function renderInlineKeyboard(message) {
  const rows = message.keyboard.map((row) => element("div", { class: "row" }, ...row.map((button) => {
    if (button.callback_data !== undefined) {
      const node = element("button", { type: "button", "data-testid": "inline-button", "data-callback-data": button.callback_data }, button.text);
      node.addEventListener("click", () => pressButton(message.id, button.callback_data, node));
      return node;
    }
    if (button.url !== undefined) {
      return element("a", { href: safeUrl(button.url), target: "_blank", rel: "noopener noreferrer", "data-testid": "inline-url-button" }, `${button.text} ↗`);
    }
    return element("button", { type: "button", disabled: "", title: "Not supported in the playground" }, button.text);
  })));
  return element("div", { class: "keyboard" }, ...rows);
}

// Entities are nested spans over UTF-16 offsets, which is exactly how JavaScript strings index.
function renderEntities(text, entities) {
  const sorted = [...(entities || [])].sort((a, b) => a.offset - b.offset || b.length - a.length);
  const fragment = document.createDocumentFragment();
  appendEntities(fragment, text, sorted, 0, text.length);
  return fragment;
}

function appendEntities(parent, text, entities, start, end) {
  let cursor = start;
  let index = 0;
  while (index < entities.length) {
    const entity = entities[index];
    const entityEnd = entity.offset + entity.length;
    let next = index + 1;
    while (next < entities.length && entities[next].offset < entityEnd) next += 1;
    const from = Math.max(entity.offset, cursor);
    const to = Math.min(entityEnd, end);
    if (from > cursor) parent.append(text.slice(cursor, from));
    if (to > from) {
      const { root, content } = entityElement(entity, text.slice(from, to));
      appendEntities(content, text, entities.slice(index + 1, next), from, to);
      parent.append(root);
      cursor = to;
    }
    index = next;
  }
  if (cursor < end) parent.append(text.slice(cursor, end));
}

function entityElement(entity, coveredText) {
  const simple = { bold: "b", italic: "i", underline: "u", strikethrough: "s", code: "code" };
  let root;
  if (simple[entity.type]) {
    root = element(simple[entity.type]);
  } else if (entity.type === "pre") {
    const code = element("code", { "data-language": entity.language });
    return { root: element("pre", {}, code), content: code };
  } else if (entity.type === "text_link" || entity.type === "url") {
    const url = entity.type === "url" ? coveredText : entity.url;
    root = element("a", { href: safeUrl(url), target: "_blank", rel: "noopener noreferrer" });
  } else if (entity.type === "email") {
    root = element("a", { href: `mailto:${coveredText}` });
  } else if (entity.type === "spoiler") {
    root = element("span", { class: "spoiler", title: "Spoiler: click to reveal" });
    root.addEventListener("click", () => root.classList.toggle("revealed"));
  } else if (entity.type === "blockquote" || entity.type === "expandable_blockquote") {
    root = element("blockquote", { class: entity.type === "expandable_blockquote" ? "expandable" : null });
    if (entity.type === "expandable_blockquote") root.addEventListener("click", () => root.classList.toggle("open"));
  } else if (entity.type === "bot_command") {
    root = element("span", { class: "command" });
    root.addEventListener("click", () => sendText(coveredText));
  } else {
    root = element("span", { class: entity.type });
  }
  return { root, content: root };
}

function renderTyping(action, seconds) {
  const indicator = byTestId("typing-indicator");
  clearTimeout(state.typingTimer);
  indicator.hidden = !action;
  indicator.textContent = action ? (CHAT_ACTION_LABELS[action] ?? `${action.replaceAll("_", " ")}…`) : "";
  if (action) state.typingTimer = setTimeout(() => { indicator.hidden = true; }, seconds * 1000);
}

function renderReplyKeyboard(markup) {
  const container = byTestId("reply-keyboard");
  container.hidden = !markup;
  if (!markup) {
    container.replaceChildren();
    return;
  }
  container.replaceChildren(...markup.keyboard.map((row) => element("div", { class: "row" }, ...row.map((button) => {
    const node = element("button", { type: "button", "data-testid": "reply-button" },
      button.request_location ? `📍 ${button.text}` : button.text);
    node.addEventListener("click", () => {
      if (button.request_location) toggleLocationPanel(true); else sendText(button.text);
      if (markup.one_time_keyboard) container.hidden = true;
    });
    return node;
  }))));
}

function openLightbox(url) {
  const lightbox = byTestId("lightbox");
  lightbox.querySelector("img").src = url;
  lightbox.hidden = false;
}

// ---- what the user sends -----------------------------------------------------------------------------

function requireUser() {
  if (state.userId === null) throw new Error("Create or pick a test user first");
  return state.userId;
}

async function sendText(text) {
  try {
    await postJson(`/chats/${requireUser()}/text`, { text });
  } catch (error) {
    reportError(error);
  }
}

async function pressButton(messageId, callbackData, node) {
  node.classList.add("pending");
  try {
    await postJson(`/chats/${requireUser()}/buttons`, { message_id: messageId, callback_data: callbackData });
  } catch (error) {
    reportError(error);
  } finally {
    node.classList.remove("pending");
  }
}

async function sendLocation(latitude, longitude) {
  try {
    await postJson(`/chats/${requireUser()}/location`, { latitude, longitude });
    toggleLocationPanel(false);
  } catch (error) {
    reportError(error);
  }
}

async function sendPhoto(file) {
  const input = byTestId("text-input");
  const form = new FormData();
  form.append("photo", file);
  if (input.value.trim()) form.append("caption", input.value.trim());
  try {
    await api(`/chats/${requireUser()}/photo`, { method: "POST", body: form });
    input.value = "";
  } catch (error) {
    reportError(error);
  }
}

async function sendVoiceSample() {
  try {
    await api(`/chats/${requireUser()}/voice`, { method: "POST" });
  } catch (error) {
    reportError(error);
  }
}

function toggleLocationPanel(visible) {
  byTestId("location-panel").hidden = !visible;
}

function wireComposer() {
  byTestId("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = byTestId("text-input");
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    sendText(text);
  });
  for (const chip of document.querySelectorAll('[data-testid="command-chip"]')) {
    chip.addEventListener("click", () => sendText(chip.textContent));
  }
  byTestId("location-button").addEventListener("click", () => toggleLocationPanel(byTestId("location-panel").hidden));
  for (const preset of document.querySelectorAll('[data-testid="location-preset"]')) {
    preset.addEventListener("click", () => sendLocation(Number(preset.dataset.lat), Number(preset.dataset.lon)));
  }
  byTestId("location-send").addEventListener("click", () => {
    const [latitude, longitude] = byTestId("location-input").value.split(",").map((part) => Number(part.trim()));
    if (Number.isFinite(latitude) && Number.isFinite(longitude)) sendLocation(latitude, longitude);
    else showToast("Enter the location as: latitude, longitude");
  });
  $(".close-location").addEventListener("click", () => toggleLocationPanel(false));
  byTestId("voice-button").addEventListener("click", sendVoiceSample);
  const photoInput = byTestId("photo-input");
  byTestId("photo-button").addEventListener("click", () => photoInput.click());
  photoInput.addEventListener("change", () => {
    if (photoInput.files.length) sendPhoto(photoInput.files[0]);
    photoInput.value = "";
  });
}

document.addEventListener("DOMContentLoaded", async () => {
  byTestId("new-user-form").addEventListener("submit", (event) => createUser(event).catch(reportError));
  $(".dialog-close").addEventListener("click", () => { byTestId("alert-dialog").hidden = true; });
  byTestId("lightbox").addEventListener("click", () => { byTestId("lightbox").hidden = true; });
  wireComposer();
  try {
    await loadUsers();
    const fromHash = Number(window.location.hash.slice(1));
    const initial = state.users.find((user) => user.id === fromHash) ?? state.users[0];
    if (initial) selectUser(initial.id);
  } catch (error) {
    reportError(error);
  }
});
