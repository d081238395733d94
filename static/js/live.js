/*
 * Live task progress for the task list and a task's results page.
 *
 * The page is complete without this script (server-rendered, "Show more" is a
 * plain link). With it:
 *   - a WebSocket (tasks_app/consumers.py) moves progress bars, counts and
 *     statuses in place; when a task changes status its row is re-fetched from
 *     the server (the same template), so buttons are always right;
 *   - on the first page of the list, a task created elsewhere is added;
 *   - a dropped socket reconnects (after 1 s, then ever longer, at most 10 s apart,
 *     with some jitter so a restarted server is not hit by every page at once) and
 *     asks for the state of every task on the page, so nothing is missed while
 *     it was away;
 *   - "Show more" appends the next page of results (cursor pagination).
 */
(() => {
  "use strict";

  const ACTIVE = ["pending", "queued", "running"];
  const CLOSE_UNAUTHENTICATED = 4401;
  const CLOSE_NOT_FOUND = 4404;
  const numbers = new Intl.NumberFormat("en-US");
  const root = document.querySelector("[data-live-socket]");
  const statusLine = document.querySelector("[data-live-status]");

  const say = (text, state) => {
    if (!statusLine) return;
    statusLine.textContent = text;
    statusLine.dataset.state = state;
  };
  const label = (status) => status.charAt(0).toUpperCase() + status.slice(1);
  const taskElements = (id) => document.querySelectorAll(`[data-task-id="${CSS.escape(id)}"]`);
  const getHtml = async (url) => {
    const response = await fetch(url, { credentials: "same-origin" });
    // A redirect means the session ended (to the login page): never insert that page.
    if (!response.ok || response.redirected) throw new Error(`${url}: ${response.status}`);
    return response;
  };

  // --- applying a task's state -----------------------------------------------------------

  const setField = (element, name, text, visible) => {
    for (const node of element.querySelectorAll(`[data-field="${name}"]`)) {
      node.textContent = text;
      if (visible !== undefined) node.hidden = !visible;
    }
  };

  const refreshing = new Map(); // task id -> sequence number of the latest request

  const refresh = async (element) => {
    const id = element.dataset.taskId;
    const sequence = (refreshing.get(id) || 0) + 1;
    refreshing.set(id, sequence);
    try {
      const html = (await (await getHtml(element.dataset.refreshUrl)).text()).trim();
      // Only the latest answer counts: an older one may carry an older state.
      if (refreshing.get(id) === sequence && element.isConnected) element.outerHTML = html;
    } catch (error) {
      console.warn("could not refresh a task", error);
    }
  };

  const apply = (task) => {
    const elements = taskElements(task.task_id);
    if (!elements.length) {
      insert(task);
      return;
    }
    for (const element of elements) {
      for (const bar of element.querySelectorAll("progress")) {
        bar.value = task.progress;
        bar.textContent = `${task.progress}%`;
      }
      setField(element, "status", label(task.status));
      for (const node of element.querySelectorAll('[data-field="status"]')) {
        node.className = `status status-${task.status}`;
      }
      setField(element, "result_count", numbers.format(task.result_count));
      setField(element, "user_limit", numbers.format(task.user_limit));
      const waiting = Boolean(task.waiting_reason) && ACTIVE.includes(task.status);
      setField(element, "waiting_reason", task.waiting_reason, waiting);
      setField(element, "error_message", task.error_message, Boolean(task.error_message));
      const reported = task.coverage && task.coverage.reported_total;
      if (Number.isInteger(reported)) setField(element, "reported_total", numbers.format(reported));
      if (element.dataset.status !== task.status) {
        element.dataset.status = task.status;
        refresh(element);
      }
    }
    results.taskChanged(task);
  };

  // --- a task created elsewhere appears on the first page --------------------------------

  const inserting = new Set();

  const insert = async (task) => {
    if (!root || !root.hasAttribute("data-live-insert") || inserting.has(task.task_id)) return;
    const body = root.querySelector("[data-task-rows]");
    const newest = body && body.querySelector("tr[data-task-id]");
    // Older tasks not on this page (an unfinished one from page 2) stay where they are.
    if (!body || (newest && Date.parse(task.created_at) < Date.parse(newest.dataset.created))) {
      return;
    }
    inserting.add(task.task_id);
    try {
      const url = root.dataset.rowUrl.replace("TASK_ID", encodeURIComponent(task.task_id));
      const template = document.createElement("template");
      template.innerHTML = (await (await getHtml(url)).text()).trim();
      const row = template.content.firstElementChild;
      if (!row || taskElements(task.task_id).length) return;
      const created = Date.parse(row.dataset.created);
      const before = [...body.querySelectorAll("tr[data-task-id]")].find(
        (other) => Date.parse(other.dataset.created) < created,
      );
      body.insertBefore(row, before || null);
      const empty = root.querySelector("[data-empty]");
      if (empty) empty.hidden = true;
    } catch (error) {
      console.warn("could not add a new task", error);
    } finally {
      inserting.delete(task.task_id);
    }
  };

  // --- results: "Show more" -------------------------------------------------------------------

  const results = (() => {
    const table = document.querySelector("[data-results]");
    const more = document.querySelector("[data-show-more]");
    const shown = document.querySelector("[data-shown]");
    if (!table || !more) return { taskChanged: () => {} };
    const body = table.querySelector("[data-result-rows]");
    let cursor = new URL(more.href).searchParams.get("after") || "0";
    let busy = false;
    const rowCount = () => body.querySelectorAll("tr").length;
    const showCount = () => {
      if (shown && rowCount()) {
        const total = numbers.format(Number(shown.dataset.total || 0));
        shown.textContent = `Showing ${numbers.format(rowCount())} of ${total}.`;
      }
    };

    more.addEventListener("click", async (event) => {
      event.preventDefault();
      if (busy) return;
      busy = true;
      more.setAttribute("aria-busy", "true");
      try {
        const url = `${table.dataset.resultsUrl}?after=${encodeURIComponent(cursor)}`;
        const response = await getHtml(url);
        const html = await response.text();
        body.insertAdjacentHTML("beforeend", html);
        cursor = response.headers.get("X-Cursor") || cursor;
        more.href = `?after=${cursor}`;
        more.hidden = response.headers.get("X-Has-More") !== "1";
        showCount();
        const empty = document.querySelector("[data-results-empty]");
        if (empty && rowCount()) empty.hidden = true;
      } catch (error) {
        if (shown) shown.textContent = "Could not load more results; try again.";
        console.warn(error);
      } finally {
        busy = false;
        more.removeAttribute("aria-busy");
      }
    });

    return {
      // A running task keeps adding people: offer them once there are more than shown.
      taskChanged: (task) => {
        if (shown) shown.dataset.total = task.result_count;
        if (task.result_count > rowCount()) more.hidden = false;
        showCount();
      },
    };
  })();

  // --- the socket -----------------------------------------------------------------------------

  if (!root || !("WebSocket" in window)) return;
  let socket = null;
  let delay = 1000;
  let retryTimer = null;
  let pingTimer = null;

  const sync = () => {
    const elements = document.querySelectorAll("[data-task-id]");
    const ids = [...new Set([...elements].map((element) => element.dataset.taskId))];
    if (ids.length) socket.send(JSON.stringify({ type: "sync", task_ids: ids }));
  };

  const connect = () => {
    clearTimeout(retryTimer);
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + root.dataset.liveSocket);
    socket.addEventListener("open", () => {
      delay = 1000;
      say("Live", "live");
      sync();
      pingTimer = setInterval(() => socket.send(JSON.stringify({ type: "ping" })), 25000);
    });
    socket.addEventListener("message", (event) => {
      const message = JSON.parse(event.data);
      if (message.type === "task") apply(message.task);
    });
    socket.addEventListener("close", (event) => {
      clearInterval(pingTimer);
      if (event.code === CLOSE_UNAUTHENTICATED) {
        say("Signed out: log in again for live updates.", "stopped");
        return;
      }
      if (event.code === CLOSE_NOT_FOUND) {
        say("This task is gone.", "stopped");
        return;
      }
      say("Reconnecting…", "reconnecting");
      retryTimer = setTimeout(connect, delay * (1 + Math.random() * 0.2));
      delay = Math.min(delay * 1.5, 10000);
    });
  };

  // Back online (laptop lid, network switch): do not wait for the back-off.
  window.addEventListener("online", () => {
    if (socket && socket.readyState === WebSocket.CLOSED) connect();
  });
  window.liveTasks = { socket: () => socket };
  connect();
})();
