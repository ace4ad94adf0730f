"""When is a Streamlit page "settled"? A probe shared by the browser tests and bench/browser.py.

Settled means what a person sees is the answer to what they asked: a script run started
after the action (a ``new_session`` message on the websocket) has finished (a
``script_finished`` message that is not "finished early for a rerun"), and the DOM shows no
status widget, no spinner, no stale element (Streamlit 1.67 marks an element container of a
previous run with ``data-stale="true"`` until the new run re-draws or removes it), no
skeleton (an element whose component code is still loading: Streamlit loads each element
type's code lazily and shows ``stSkeleton`` in its place, so in a fresh tab a row of
``st.metric`` tiles can appear one by one, up to a second after the run finished) and the
page's headline number. The state holds for ``quiet_ms`` (a follow-up rerun would break it).

Waiting for the DOM alone is not enough: the status widget appears only once the browser
has heard that a run started, so right after a click or a page load there is a moment in
which the old (or an empty) page looks settled. The probe therefore reads the websocket:
an init script wraps ``WebSocket`` and scans the top-level fields of each binary ForwardMsg
(protobuf) for field 4 (new_session) and field 6 (script_finished, an enum).
"""

from __future__ import annotations

from playwright.sync_api import BrowserContext, Page

# ForwardMsg field numbers (streamlit/proto/ForwardMsg.proto): new_session = 4, script_finished = 6;
# ScriptFinishedStatus 2 = FINISHED_EARLY_FOR_RERUN (another run follows).
PROBE_JS = r"""
(() => {
  if (window.__st) return;
  const st = (window.__st = {
    msgs: 0, runs: 0, finished: 0, running: false, lastInput: null,
    armRuns: 0, armFinished: 0, armAt: 0, settledSince: null, log: [],
  });
  const varint = (b, i) => {
    let x = 0, s = 0, c;
    do { c = b[i++]; x += (c & 0x7f) * 2 ** s; s += 7; } while (c & 0x80 && i < b.length);
    return [x, i];
  };
  const scan = (buf) => {
    const b = new Uint8Array(buf);
    let i = 0;
    while (i < b.length) {
      let tag, v;
      [tag, i] = varint(b, i);
      const field = Math.floor(tag / 8), wire = tag & 7;
      if (wire === 0) { [v, i] = varint(b, i); if (field === 6) return ["finished", v]; }
      else if (wire === 2) {
        [v, i] = varint(b, i);
        if (field === 4) return ["new_session", 0];
        i += v;
      }
      else if (wire === 1) i += 8;
      else if (wire === 5) i += 4;
      else return null;
    }
    return null;
  };
  const Native = window.WebSocket;
  class ProbedWebSocket extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (e) => {
        if (!(e.data instanceof ArrayBuffer)) return;
        st.msgs++;
        const r = scan(e.data);
        if (!r) return;
        const t = performance.now();
        if (r[0] === "new_session") { st.runs++; st.running = true; }
        else if (r[1] !== 2) { st.finished++; st.running = false; }
        if (st.log.length < 500) st.log.push([Math.round(t), r[0], r[1]]);
      });
    }
  }
  window.WebSocket = ProbedWebSocket;
  for (const ev of ["click", "keydown"]) {
    document.addEventListener(ev, () => { st.lastInput = performance.now(); }, true);
  }
})();
"""

SETTLED_JS = r"""
([headline, quietMs]) => {
  const st = window.__st;
  if (!st) return false;
  const now = performance.now();
  // A metric counts once it shows a number; any other headline element once visible.
  const visible = (el) =>
    el && el.checkVisibility() &&
    (el.dataset.testid !== "stMetricValue" || /\d/.test(el.innerText));
  const ok =
    st.runs > st.armRuns && st.finished > st.armFinished && !st.running &&
    !document.querySelector(
      '[data-testid="stStatusWidget"], [data-testid="stSpinner"], [data-stale="true"],' +
      ' [data-testid="stSkeleton"], [data-testid="stAppSkeleton"]'
    ) &&
    (!headline || visible(document.querySelector(headline)));
  if (!ok) { st.settledSince = null; return false; }
  if (st.settledSince === null) st.settledSince = now;
  return now - st.settledSince >= quietMs ? st.settledSince : false;
}
"""

HEADLINE = '[data-testid="stMetricValue"]'
# The headline number, or the message a page shows instead of it (e.g. no data for a slice).
HEADLINE_OR_MESSAGE = '[data-testid="stMetricValue"], [data-testid="stAlert"]'


def install_probe(context: BrowserContext) -> None:
    """Add the websocket probe to every page of ``context`` (before the first navigation)."""
    context.add_init_script(PROBE_JS)


def arm(page: Page) -> None:
    """Mark "now": the next settle must come from a script run that starts after this."""
    page.evaluate(
        "() => { const s = window.__st; s.armRuns = s.runs; s.armFinished = s.finished;"
        " s.armAt = performance.now(); s.lastInput = null; s.settledSince = null; }"
    )


def wait_settled(
    page: Page,
    *,
    timeout_ms: float = 60_000,
    headline: str | None = HEADLINE,
    quiet_ms: float = 150,
) -> float:
    """Wait until the page is settled (see the module docstring); return the in-page time
    (``performance.now()``, ms since the document's navigation start) it became settled."""
    handle = page.wait_for_function(
        SETTLED_JS, arg=[headline, quiet_ms], polling="raf", timeout=timeout_ms
    )
    return float(handle.json_value())


def started_at(page: Page) -> float:
    """In-page time of the action being measured: the last click or key press after
    :func:`arm`, else the arm itself."""
    return float(page.evaluate("() => window.__st.lastInput ?? window.__st.armAt"))


def run_log(page: Page) -> list:
    """The (time ms, message, status) log of script runs the probe saw (for diagnostics)."""
    return page.evaluate("() => window.__st.log")
