//! Shorter links: the query compressed with the browser's own DEFLATE (`CompressionStream`)
//! and written in URL-safe base64, as `v=1&z=...`. Used only where it is shorter.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = r#"
export async function deflate_to_base64url(text) {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
export async function inflate_from_base64url(text) {
  const bin = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  return await new Response(stream).text();
}
"#)]
extern "C" {
    #[wasm_bindgen(catch)]
    async fn deflate_to_base64url(text: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch)]
    async fn inflate_from_base64url(text: &str) -> Result<JsValue, JsValue>;
}

/// The shorter of `query` and its compressed form.
pub async fn shortest(query: String) -> String {
    let packed = deflate_to_base64url(&query)
        .await
        .ok()
        .and_then(|v| v.as_string())
        .map(|z| format!("v=1&z={z}"));
    match packed {
        Some(p) if p.len() < query.len() => p,
        _ => query,
    }
}

/// The compressed part of a fragment, if it has one.
pub fn compressed_part(fragment: &str) -> Option<&str> {
    splitbrain_core::recipe::query_pairs(fragment)
        .find_map(|(name, value)| (name == "z").then_some(value))
}

/// Expands a fragment with a compressed part into the plain query (other names in the
/// fragment are kept and come after, so they win).
pub async fn expand(fragment: &str) -> Result<String, String> {
    let z = compressed_part(fragment).unwrap_or_default();
    let text = inflate_from_base64url(z)
        .await
        .ok()
        .and_then(|v| v.as_string())
        .ok_or("its compressed part (z=) is damaged")?;
    let rest: Vec<String> = splitbrain_core::recipe::query_pairs(fragment)
        .filter(|(name, _)| *name != "z" && *name != "v")
        .map(|(n, v)| format!("{n}={v}"))
        .collect();
    Ok(if rest.is_empty() {
        text
    } else {
        format!("{text}&{}", rest.join("&"))
    })
}
