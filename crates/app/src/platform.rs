//! The browser: URL, localStorage, clipboard, the `<html>` element, the embed's height message, and
//! the two GETs of a Hugging Face import.
//!
//! Every function degrades to a no-op (or `None`) when an API is missing, so that a locked-down
//! browser (storage disabled, clipboard denied) still shows the calculator.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::hub::{
    cache_decode, cache_encode, is_valid, needs_info, resolve, Fetched, ImportError, Imported, CACHE_PREFIX,
};

/// localStorage key of the last scenario and settings.
pub const STORAGE_KEY: &str = "lora-vram:v1";

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

/// `location.search`.
pub fn query() -> String {
    window().and_then(|w| w.location().search().ok()).unwrap_or_default()
}

/// The page's address without its query: `origin + pathname`.
pub fn page_url() -> String {
    window()
        .map(|w| {
            let l = w.location();
            format!("{}{}", l.origin().unwrap_or_default(), l.pathname().unwrap_or_default())
        })
        .unwrap_or_default()
}

/// `navigator.languages`, falling back to `navigator.language`.
pub fn languages() -> Vec<String> {
    let Some(n) = window().map(|w| w.navigator()) else { return Vec::new() };
    let mut v: Vec<String> = n.languages().iter().filter_map(|l| l.as_string()).collect();
    if v.is_empty() {
        v.extend(n.language());
    }
    v
}

fn storage() -> Option<web_sys::Storage> {
    window()?.local_storage().ok().flatten()
}

/// Reads a localStorage item.
pub fn load(key: &str) -> Option<String> {
    storage()?.get_item(key).ok().flatten()
}

/// Writes a localStorage item; ignored when storage is unavailable (private mode, quota).
pub fn save(key: &str, value: &str) {
    if let Some(s) = storage() {
        let _ = s.set_item(key, value);
    }
}

/// What [`persist`] will write: the share query, the localStorage item, and whom to tell whether
/// the item was saved.
type Pending = (String, String, yew::Callback<bool>);

thread_local! {
    static PENDING: std::cell::RefCell<Option<Pending>> = const { std::cell::RefCell::new(None) };
    static TIMER: std::cell::RefCell<Option<gloo::timers::callback::Timeout>> = const { std::cell::RefCell::new(None) };
}

/// How long the URL and localStorage wait for the inputs to settle. `history.replaceState` costs
/// Chromium about 20 ms a call (the profile in docs/performance.md), so writing it on every slider
/// step made each input miss its frame; a link copied meanwhile is built from the state, not from
/// the address bar.
const PERSIST_DELAY_MS: u32 = 300;

/// Writes the query into the address bar and the item into localStorage once the inputs have been
/// still for [`PERSIST_DELAY_MS`], or at once when the page is hidden or closed (`pagehide`);
/// `saved` then learns whether localStorage took the item (quota, private mode).
pub fn persist(query: String, stored: String, saved: yew::Callback<bool>) {
    PENDING.with(|p| *p.borrow_mut() = Some((query, stored, saved)));
    static HOOKED: std::sync::Once = std::sync::Once::new();
    HOOKED.call_once(|| {
        if let Some(w) = window() {
            gloo::events::EventListener::new(&w, "pagehide", |_| flush()).forget();
        }
    });
    // Restart the wait: only the last state of a burst of inputs is written.
    TIMER.with(|t| *t.borrow_mut() = Some(gloo::timers::callback::Timeout::new(PERSIST_DELAY_MS, flush)));
}

/// Writes what [`persist`] is holding, now.
pub fn flush() {
    TIMER.with(|t| t.borrow_mut().take());
    if let Some((query, stored, saved)) = PENDING.with(|p| p.borrow_mut().take()) {
        replace_query(&query);
        saved.emit(storage().is_some_and(|s| s.set_item(STORAGE_KEY, &stored).is_ok()));
    }
}

/// Goes to another address, relative to this page's, replacing this history entry.
pub fn go(url: &str) {
    if let Some(w) = window() {
        let _ = w.location().replace(url);
    }
}

/// Replaces the query of the current history entry (no navigation, no new entry).
pub fn replace_query(query: &str) {
    if let Some(w) = window() {
        let path = w.location().pathname().unwrap_or_default();
        let hash = w.location().hash().unwrap_or_default();
        if let Ok(h) = w.history() {
            let _ = h.replace_state_with_url(&JsValue::NULL, "", Some(&format!("{path}{query}{hash}")));
        }
    }
}

/// Sets (or with `None` removes) an attribute of `<html>`.
pub fn set_root_attr(name: &str, value: Option<&str>) {
    if let Some(el) = window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
        let _ = match value {
            Some(v) => el.set_attribute(name, v),
            None => el.remove_attribute(name),
        };
    }
}

/// Sets a CSS custom property on `<html>` through the CSSOM (allowed under a strict `style-src`).
pub fn set_css_var(name: &str, value: &str) {
    if let Some(el) = window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
        if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
            let _ = el.style().set_property(name, value);
        }
    }
}

/// Sets `document.title`.
pub fn set_title(title: &str) {
    if let Some(d) = window().and_then(|w| w.document()) {
        d.set_title(title);
    }
}

/// Moves keyboard focus to the element with this id once the page has re-rendered (after an
/// action that may remove the focused element, like an Apply button whose advice is now done).
pub fn focus_soon(id: &'static str) {
    gloo::timers::callback::Timeout::new(0, move || {
        if let Some(el) = window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(id)) {
            if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
                let _ = el.focus();
            }
        }
    })
    .forget();
}

/// Sets the page's `<meta name="description">` (search engines and link previews read it).
pub fn set_meta_description(text: &str) {
    if let Some(el) =
        window().and_then(|w| w.document()).and_then(|d| d.query_selector("meta[name=description]").ok().flatten())
    {
        let _ = el.set_attribute("content", text);
    }
}

/// The value of the `<input>` with this id.
pub fn input_value(id: &str) -> Option<String> {
    let el = window()?.document()?.get_element_by_id(id)?;
    Some(el.dyn_into::<web_sys::HtmlInputElement>().ok()?.value())
}

/// One GET, without credentials (the browser's default for another origin). A response that a
/// redirect brought from anywhere but huggingface.co is refused: `hub.rs` promises that no other
/// site is ever read.
async fn get(url: &str) -> Fetched {
    let Some(w) = window() else { return Fetched::Offline };
    let Ok(r) = JsFuture::from(w.fetch_with_str(url)).await else { return Fetched::Offline };
    let r: web_sys::Response = r.unchecked_into();
    let allowed = format!("{}/", lora_vram::hub::DEFAULT_ENDPOINT);
    if !r.url().starts_with(&allowed) {
        return Fetched::Elsewhere;
    }
    if !r.ok() {
        return Fetched::Status(r.status());
    }
    match r.text() {
        Ok(p) => JsFuture::from(p).await.ok().and_then(|t| t.as_string()).map_or(Fetched::Offline, Fetched::Body),
        Err(_) => Fetched::Offline,
    }
}

/// Imports a model by its Hub id: from the localStorage cache, else by fetching its config.json
/// and model info from huggingface.co (and caching a model that the estimator reads).
pub async fn import(id: String) -> Result<Imported, ImportError> {
    use lora_vram::hub::{api_url, config_url, DEFAULT_ENDPOINT};
    if !is_valid(&id) {
        return Err(ImportError::InvalidId);
    }
    let key = format!("{CACHE_PREFIX}{id}");
    if let Some(m) = load(&key).and_then(|s| cache_decode(&id, &s)) {
        return Ok(m);
    }
    let config = get(&config_url(DEFAULT_ENDPOINT, &id)).await;
    let info = if needs_info(&config) { get(&api_url(DEFAULT_ENDPOINT, &id)).await } else { Fetched::Offline };
    let r = resolve(&id, config, info);
    if let Ok(m) = &r {
        save(&key, &cache_encode(m));
    }
    r
}

/// Copies text to the clipboard; false when the browser refuses.
pub async fn copy(text: String) -> bool {
    let Some(w) = window() else { return false };
    let p = w.navigator().clipboard().write_text(&text);
    JsFuture::from(p).await.is_ok()
}

/// `performance.now()`, for the input-to-paint marks.
pub fn now() -> f64 {
    window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

/// Posts the embed card's height to the parent page: `{type: "lora-vram:height", id, height}`.
/// `target` is the host page's origin when embed.js passed it, else `*` (a height is not secret).
pub fn post_height(id: &str, target: &str, height: f64) {
    let Some(w) = window() else { return };
    let Ok(Some(parent)) = w.parent() else { return };
    let msg = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&msg, &"type".into(), &"lora-vram:height".into());
    let _ = js_sys::Reflect::set(&msg, &"id".into(), &id.into());
    let _ = js_sys::Reflect::set(&msg, &"height".into(), &height.into());
    let _ = parent.post_message(&msg, target);
}

/// Keeps the parent informed of the element's height: posts it now and on every resize.
pub fn watch_height(el: web_sys::Element, id: String, target: String) {
    use wasm_bindgen::closure::Closure;
    let measure = {
        let el = el.clone();
        move || {
            let r = el.get_bounding_client_rect();
            post_height(&id, &target, r.height().ceil());
        }
    };
    measure();
    let cb = Closure::<dyn FnMut(js_sys::Array)>::new(move |_entries: js_sys::Array| measure());
    if let Ok(ro) = web_sys::ResizeObserver::new(cb.as_ref().unchecked_ref()) {
        ro.observe(&el);
        // The observer lives as long as the page.
        std::mem::forget(ro);
    }
    cb.forget();
}

/// Calls `f` with each colour scheme the host page posts to this embed card, the string
/// `lora-vram:theme:light` (or `dark`, `auto`): accepted only from the parent window and only at
/// `host`, the origin embed.js passed in the URL.
pub fn watch_theme(host: String, f: impl Fn(&str) + 'static) {
    use wasm_bindgen::closure::Closure;
    let Some(w) = window() else { return };
    let Ok(Some(parent)) = w.parent() else { return };
    let parent = JsValue::from(parent);
    let cb = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
        if e.source().is_some_and(|s| JsValue::from(s) == parent) && e.origin() == host {
            if let Some(t) = e.data().as_string().as_deref().and_then(|d| d.strip_prefix("lora-vram:theme:")) {
                f(t);
            }
        }
    });
    let _ = w.add_event_listener_with_callback("message", cb.as_ref().unchecked_ref());
    // The listener lives as long as the page.
    cb.forget();
}
