// The Recformer service page: pick a user, see their history and top 10, add an item and see
// where it ranks. Talks to the JSON API of the same server only.
"use strict";

const state = { user: null, addedIds: new Set() };

function $(selector) {
  return document.querySelector(selector);
}

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const document = await response.json();
  if (!response.ok) {
    const field = document.field ? " (" + document.field + ")" : "";
    throw new Error(response.status + ": " + document.error + field);
  }
  return document;
}

function showError(error) {
  $("#error").textContent = error ? String(error.message || error) : "";
}

function cell(row, text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  row.appendChild(td);
  return td;
}

// A title cell: at most two lines on the page, the whole title on hover.
function titleCell(row, text) {
  const td = document.createElement("td");
  const div = document.createElement("div");
  div.className = "clamp";
  div.textContent = text;
  div.title = text;
  td.appendChild(div);
  row.appendChild(td);
  return td;
}

async function refreshHealth() {
  try {
    const health = await api("GET", "/api/health");
    const badge = $("#health");
    badge.textContent =
      health.status + " - " + health.catalog.items + " items, " + health.users + " users";
    badge.className = "badge " + health.status;
  } catch (error) {
    $("#health").textContent = "unreachable";
  }
}

async function searchUsers(query) {
  const result = await api("GET", "/api/users?limit=30&q=" + encodeURIComponent(query));
  const list = $("#user-results");
  list.replaceChildren();
  for (const user of result.users) {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.dataset.user = user.id;
    button.textContent = user.id;
    const count = document.createElement("span");
    count.className = "count";
    count.textContent = user.historyLength;
    button.appendChild(count);
    if (user.id === state.user) button.classList.add("selected");
    button.addEventListener("click", () => selectUser(user.id).catch(showError));
    item.appendChild(button);
    list.appendChild(item);
  }
}

async function selectUser(id) {
  showError(null);
  state.user = id;
  for (const button of document.querySelectorAll("#user-results button")) {
    button.classList.toggle("selected", button.dataset.user === id);
  }
  $("#user-title").textContent = "User " + id;
  $("#add-result").textContent = "";
  const user = await api("GET", "/api/users/" + encodeURIComponent(id));
  const history = $("#history tbody");
  history.replaceChildren();
  user.history.forEach((item, i) => {
    const row = document.createElement("tr");
    cell(row, String(i + 1));
    cell(row, item.id, "id");
    titleCell(row, item.title || "");
    history.appendChild(row);
  });
  await showTop();
  document.body.dataset.ready = id;
}

async function showTop(locateId) {
  const request = { user: state.user, k: 10 };
  if (locateId) request.locate = [locateId];
  const result = await api("POST", "/api/recommend", request);
  // Bars show each score between the list's lowest and highest.
  const scores = result.recommendations.map((r) => r.score);
  const best = Math.max(...scores);
  const worst = Math.min(...scores);
  const top = $("#top tbody");
  top.replaceChildren();
  for (const r of result.recommendations) {
    const row = document.createElement("tr");
    if (state.addedIds.has(r.id)) row.className = "added";
    cell(row, String(r.rank));
    cell(row, r.id, "id");
    titleCell(row, r.title);
    const score = cell(row, "", "score");
    const bar = document.createElement("span");
    bar.className = "bar";
    const share = best > worst ? (r.score - worst) / (best - worst) : 1;
    bar.style.width = Math.round(6 + 54 * share) + "px";
    score.appendChild(bar);
    score.appendChild(document.createTextNode(r.score.toFixed(4)));
    top.appendChild(row);
  }
  return result;
}

async function addItem(event) {
  event.preventDefault();
  showError(null);
  const form = new FormData(event.target);
  const attributes = {};
  for (const key of ["title", "brand", "category"]) {
    const value = String(form.get(key) || "").trim();
    if (value) attributes[key] = value;
  }
  const id = String(form.get("id") || "").trim();
  await api("POST", "/api/items", { items: [{ id, attributes }] });
  state.addedIds.add(id);
  const message = $("#add-result");
  if (!state.user) {
    message.textContent = "Added " + id + ". Pick a user to see where it ranks.";
    await refreshHealth();
    return;
  }
  const result = await showTop(id);
  await refreshHealth();
  const located = result.located[0];
  message.textContent =
    located.rank !== null
      ? "Added " + id + ": rank " + located.rank + " for user " + state.user +
        " (score " + located.score.toFixed(4) + ")"
      : "Added " + id + ": below rank " + located.beyond + " for user " + state.user +
        " (score " + located.score.toFixed(4) + ")";
}

document.addEventListener("DOMContentLoaded", () => {
  let pending;
  $("#user-search").addEventListener("input", (event) => {
    clearTimeout(pending);
    pending = setTimeout(() => searchUsers(event.target.value).catch(showError), 150);
  });
  $("#add-form").addEventListener("submit", (event) => addItem(event).catch(showError));
  refreshHealth();
  const wanted = new URLSearchParams(location.hash.slice(1)).get("user");
  searchUsers(wanted || "")
    .then(() => (wanted ? selectUser(wanted) : null))
    .catch(showError);
});
