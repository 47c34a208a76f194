"""The scripts a page of `stresskit present` loads, preloaded from its <head>, so that they arrive
while the kernel runs the cells instead of in waves, each asked for only when the one before has run.

voila.js, once run, asks for the chunks of its start and of the shared modules those take. Voilà's
app, started on the load event, then asks for each federated extension's remoteEntry, the chunks
of the module the extension exposes and of the shared modules it uses (from whichever bundle
provides each at the highest version: @jupyter-widgets/base from the widget manager,
@jupyterlab/outputarea from Voilà's own), and the typesetter's for the first output it typesets:
MathJax 3's chunks, or, with a MathJax URL and config in the page config (`server.without_mathjax`),
the one script JupyterLab's MathJax 2 plugin, which Voilà then takes, loads from that URL. The
list is read from the installed bundles (webpack's and rspack's runtimes name each shared module,
its version and its chunks; the plugin's code says how it writes its address), never copied by hand;
tests/test_live.py checks that the page fetches every script listed, once, and none unlisted.
"""

from __future__ import annotations

import re
from pathlib import Path

HOST = "_JUPYTERLAB.CORE_OUTPUT"  # Voilà's own bundle (voila.js): its name in the share scope
# a shared module a bundle provides: webpack `f("name","1.2.3",()=>Promise.all([x.e(12),…]).then(…`,
# rspack `{name:"name",version:"1.2.3",factory:()=>Promise.all([I.e(12),…]).then(…`
PROVIDES = re.compile(r'(?:\w\(|name:)"(@?[\w./-]+)",(?:version:)?"([^"]+)",(?:factory:)?\(?\(\)=>(.*?)\.then\(')
USES = re.compile(r'(?:"default",|shareKey:)"(@?[\w./-]+)"')  # a shared module a bundle takes from the scope
EXPOSED = re.compile(r'"[^"]+":\(\)=>(.*?)\.then\(')  # at `"./extension":()=>…`: the chunks of a module Voilà asks for
CHUNK = re.compile(r"\.e\((\d+)\)")
ENTRY = re.compile(r"Promise\.all\(\[((?:\w\.e\(\d+\),?)+)\]\)\.then\(\w\.bind\(\w,\d+\)\)")  # voila.js's start
CONSUMES = re.compile(r"\{((?:\d+:\[[\d,]*\],?)+)\}[^;]{0,40}?\.f\.consumes=")  # chunk -> the shared modules it takes
HANDLER = re.compile(r'(\d+):\(\)=>\w\("default","(@?[\w./-]+)"')  # a taken module's id -> its shared name
TYPESETTER = '"@jupyterlab/mathjax-extension:plugin"'  # in the chunk of Voilà's that loads MathJax lazily
# the MathJax 2 plugin's script address: `${this._url}?config=${this._config}&amp;delayStartupUntil=configured`
MATHJAX2 = re.compile(r"`\$\{this\._url\}([^`$]*)\$\{this\._config\}([^`$]*)`")


def _version(text: str) -> tuple:
    """A comparable semver ("6.0.12" > "6.0.9"; a pre-release below its release)."""
    core, _, pre = text.partition("-")
    return (*(int(n) for n in re.findall(r"\d+", core)), 0 if pre else 1)


class _Bundle:
    def __init__(self, name: str, entry: Path, files: dict[str, str], asked: list[str] = ()):
        self.name, self.text, self.files = name, entry.read_text(encoding="utf-8"), files  # chunk id -> url
        self.asked = asked  # the modules Voilà's app asks this extension for
        self.provides = {m[1]: (m[2], CHUNK.findall(m[3])) for m in PROVIDES.finditer(self.text)}

    def urls(self, chunks: list[str]) -> list[str]:
        return [self.files[c] for c in chunks if c in self.files]  # ids without a file hold no code

    def started(self) -> list[str]:
        """The chunks voila.js loads as it starts, before the load event: its entry's, and those of
        the shared modules each chunk takes, from this bundle's own copies."""
        entry, consumes = ENTRY.search(self.text), CONSUMES.search(self.text)
        if not entry or not consumes:
            return []
        takes = {c: m.split(",") for c, m in re.findall(r"(\d+):\[([\d,]*)\]", consumes[1])}
        names = dict(HANDLER.findall(self.text))
        todo, seen = CHUNK.findall(entry[1]), []
        while todo:
            chunk = todo.pop(0)
            if chunk not in seen:
                seen.append(chunk)
                for module in takes.get(chunk, []):
                    todo += self.provides.get(names.get(module), ("", []))[1]
        return self.urls(seen)


def scripts(page_config: dict, static_dirs: list[str], labextensions_paths: list[str]) -> list[str]:
    """The URLs of the scripts a page with Voilà's `page_config` loads besides voila.js, in the
    order it asks for them: voila.js's start, then each federated extension's remoteEntry, the
    chunks of what it exposes and uses, from the bundle that provides each shared module, then the typesetter's."""
    host_dir = next((Path(d) for d in static_dirs if (Path(d) / "voila.js").is_file()), None)
    if host_dir is None:
        return []
    static = page_config["fullStaticUrl"]
    chunks = {p.name.split(".")[0]: p for p in host_dir.glob("*.voila.js")}
    host = _Bundle(HOST, host_dir / "voila.js", {c: f"{static}/{p.name}" for c, p in chunks.items()})
    bundles, out = [], host.started()
    for ext in page_config["federated_extensions"]:
        folder = next(
            (Path(p) / ext["name"] for p in labextensions_paths if (Path(p) / ext["name"] / ext["load"]).is_file()),
            None,
        )
        if folder is None:
            continue
        base = f"{page_config['fullLabextensionsUrl']}/{ext['name']}"
        files = {}
        for p in (folder / "static").glob("*.js"):
            chunk, _, digest = p.stem.partition(".")
            if digest and chunk.isdigit():  # NNN.<contenthash>.js, fetched as …?v=<contenthash>
                files[chunk] = f"{base}/static/{p.name}?v={digest}"
        asked = [ext[k] for k in ("extension", "mimeExtension", "style") if ext.get(k)]
        bundles.append(_Bundle(ext["name"], folder / ext["load"], files, asked))
        out.append(f"{base}/{ext['load']}")
    scope = [host, *bundles]

    def provider(module: str) -> _Bundle | None:
        """The bundle whose copy the share scope hands out: the highest version; on a tie the greater name."""
        offers = [b for b in scope if module in b.provides]
        return max(offers, key=lambda b: (_version(b.provides[module][0]), b.name), default=None)

    for bundle in bundles:
        for module in bundle.asked:
            at = bundle.text.find(f'"{module}":()=>')
            exposed = EXPOSED.match(bundle.text, at) if at >= 0 else None
            out += bundle.urls(CHUNK.findall(exposed[1]) if exposed else [])
        for module in dict.fromkeys(USES.findall(bundle.text)):
            chosen = provider(module)
            if chosen:
                out += chosen.urls(chosen.provides[module][1])
    url, config = page_config.get("fullMathjaxUrl"), page_config.get("mathjaxConfig")
    mathjax2 = url not in (None, "null") and config not in (None, "null")  # Voilà then takes the MathJax 2 plugin
    for path in chunks.values():
        text = path.read_text(encoding="utf-8")
        address = MATHJAX2.search(text) if mathjax2 else None
        if address:  # exactly as the plugin writes it, "&amp;" and all
            out.append(f"{url}{address[1]}{config}{address[2]}")
        elif not mathjax2 and TYPESETTER in text:
            out += host.urls(CHUNK.findall(text))
    return list(dict.fromkeys(out))
