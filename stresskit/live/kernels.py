"""Kernels of the `stresskit present` server: a cap on the kernels in use, and pools that heat
one kernel at a time (`HeatedPools`, mixed into `server.PresentApp`).

Pre-heated kernels (one per notebook, two for the page the printed address opens) make a page
interactive at once; they heat in turn, the
page the printed address opens first, and never while a page is being drawn: one still heating
when a page is asked for is stopped (SIGSTOP) until the page is drawn; `present.on_request`
lets them read the store only when the request arrives, so a page always shows the answers saved before.
"""

from __future__ import annotations

import asyncio
import os
import signal
from datetime import UTC, datetime
from pathlib import Path

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado.ioloop import IOLoop
from tornado.web import HTTPError
from traitlets import Integer
from voila.request_info_handler import RequestInfoSocketHandler

from ..notebooks import notebooks

HOLD_SECONDS = 20  # once the first page is warm, other pools wait this long for it to be opened
QUIET_SECONDS = 1.0  # a page's kernel silent this long: its page is drawn (the browser draws the widgets meanwhile)
PAUSE_SECONDS = 10  # a kernel heating in a pool is stopped at most this long while a page is drawn


class CappedKernelManager(AsyncMappingKernelManager):
    """At most `max_kernels` kernels besides the pre-heated pool: starting one more stops the
    least recently active one, unconnected kernels (a closed tab) first."""

    max_kernels = Integer(6, config=True, help="kernels in use at once, not counting the pre-heated pool")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._connected_once: set[str] = set()
        self._paused: dict[str, int] = {}  # kernel id -> process id, stopped while a page is drawn

    def pause(self, kernel_id: str) -> None:
        """Stop a kernel's process (SIGSTOP) until `resume`: one heating in a pool while a page is drawn."""
        if kernel_id in self._paused:
            return
        try:
            pid = self.get_kernel(kernel_id).provisioner.pid
            if pid:
                os.kill(pid, signal.SIGSTOP)
                self._paused[kernel_id] = pid
        except (KeyError, HTTPError, AttributeError, OSError):
            pass  # gone (the manager says so with a 404), or not a local process: it heats on

    def resume(self, kernel_id: str | None = None) -> None:
        """Let a stopped kernel (without `kernel_id`: every one) go on (SIGCONT)."""
        for kid in [kernel_id] if kernel_id else list(self._paused):
            pid = self._paused.pop(kid, None)
            if pid:
                try:
                    os.kill(pid, signal.SIGCONT)
                except OSError:
                    pass

    async def shutdown_kernel(self, kernel_id, *args, **kwargs):
        self.resume(kernel_id)  # a stopped process would hold its shutdown up
        return await super().shutdown_kernel(kernel_id, *args, **kwargs)

    async def shutdown_all(self, *args, **kwargs):
        self.resume()
        return await super().shutdown_all(*args, **kwargs)

    def notify_connect(self, kernel_id):
        self._connected_once.add(kernel_id)
        super().notify_connect(kernel_id)

    def _pooled(self) -> set[str]:
        ids = set()
        for pool in getattr(self, "_pools", {}).values():
            for task in pool:
                if task.done() and not task.cancelled() and task.exception() is None:
                    ids.add(task.result()["kernel_id"])
        return ids

    def _victim(self) -> str | None:
        pooled = self._pooled()
        used = [k for k in self.list_kernel_ids() if k not in pooled]
        # a kernel just taken from the pool has no page connected yet: it is never the one to go
        candidates = [k for k in used if k in self._connected_once]
        if len(used) < self.max_kernels or not candidates:
            return None
        return min(candidates, key=lambda k: (self._kernel_connections.get(k, 0) > 0, self.get_kernel(k).last_activity))

    async def start_kernel(self, *args, **kwargs):
        while (victim := self._victim()) is not None:
            self.log.info("Kernel cap %s reached: stopping kernel %s", self.max_kernels, victim)
            await self.shutdown_kernel(victim)
        return await super().start_kernel(*args, **kwargs)


class HeatedPools:
    """Voilà's kernel pools, heated in turn (mixed into the Voilà app: it has `heated`, `first`,
    `root_dir`, `kernel_manager` and `voila_configuration`)."""

    def heat_pools(self) -> None:
        """Called from the app's init_settings, after Voilà's own."""
        manager = self.kernel_manager
        self._env = manager.default_env_variables
        manager.kernel_pools_config = {"default": {"pool_size": self.heated, "kernel_env_variables": self._env}}
        self._fill = manager.fill_if_needed
        manager.fill_if_needed = self._page_took  # Voilà calls it on itself to refill a pool a page took from
        self._resuming: asyncio.Future | None = None  # until the pages are drawn, heating kernels are stopped
        self._seen_taken: set[str] = set()  # kernels seen outside the pools (a page's)
        self._wanted: list[str] = []
        self._asked = asyncio.Event()
        self._refilling = False
        self._taken = asyncio.Event()  # a page took a kernel from a pool
        for name in self.heat_order():
            self._want(notebook_name=name)
        self._refilling = True  # from now on Voilà asks: a page just took this pool's kernel
        IOLoop.current().add_callback(self._heat_in_turn)

    def pool_target(self, name: str) -> int:
        """Kernels to keep heated for a notebook: the page the address opens gets one more, so
        that its reload right after (or a second screen) finds a heated kernel too."""
        return self.heated + (1 if self.heated and name == self.first else 0)

    def warm(self) -> bool:
        """The page the address opens (else the first in heat order) has its pool heated: every
        kernel in it waits on its query socket. The launcher opens the browser only then."""
        names = [self.first] if self.first else self.heat_order()[:1]
        for name in names:
            pool = self.kernel_manager._pools.get(name, [])
            ids = [t.result()["kernel_id"] for t in pool if t.done() and not t.cancelled() and t.exception() is None]
            if len(ids) < self.pool_target(name) or not all(k in RequestInfoSocketHandler._waiters for k in ids):
                return False
        return True

    def heat_order(self) -> list[str]:
        """The page the address opens, then its neighbours (the next recommendation first)."""
        names = [p.name for p in notebooks(None, Path(self.root_dir))]
        at = names.index(self.first) if self.first in names else 0
        return sorted(names, key=lambda n: (abs(names.index(n) - at), names.index(n) < at))

    def _want(self, delay=None, notebook_name=None, **_ignored) -> None:
        """A pool to fill: at start in heat order; a refill first (the page just opened is the
        likeliest to be opened again, by a reload)."""
        if notebook_name and notebook_name not in self._wanted:
            self._wanted.insert(0 if self._refilling else len(self._wanted), notebook_name)
            self._asked.set()

    def _page_took(self, *args, **kwargs) -> None:
        """A page took a kernel from a pool (Voilà then asks to refill it): the page's kernel goes on
        if it was stopped; every kernel still heating in a pool stops until the pages are drawn."""
        manager = self.kernel_manager
        pooled = manager._pooled()
        for kernel_id in list(manager._paused):
            if kernel_id not in pooled:  # taken by this page: it renders now
                manager.resume(kernel_id)
        for kernel_id in manager.list_kernel_ids():
            if kernel_id not in pooled and kernel_id not in self._seen_taken:  # this page's
                self._seen_taken.add(kernel_id)
                manager.get_kernel(kernel_id).last_activity = datetime.now(UTC)  # it waited in the pool
        for kernel_id in pooled:
            if kernel_id not in RequestInfoSocketHandler._waiters:
                manager.pause(kernel_id)
        if self._resuming is None or self._resuming.done():
            self._resuming = asyncio.ensure_future(self._resume_when_drawn())
        self._taken.set()  # only a page ends the hold (the heater's own `_want` once ended it at once)
        self._want(*args, **kwargs)

    async def _resume_when_drawn(self) -> None:
        try:
            await self._while_a_page_renders(PAUSE_SECONDS)
        finally:
            self.kernel_manager.resume()

    async def _heat_in_turn(self) -> None:
        """Heat the wanted pools one kernel per turn: one at a time until the page the address
        opens is warm; then nothing until a page takes a kernel (the browser opens it as soon as
        the launcher hears it is warm) or HOLD_SECONDS pass, so the first page renders alone;
        then as many at once as there are cores but one (left to the pages and the browser)."""
        manager, heating = self.kernel_manager, set()
        at_once, held = 1, False
        while True:
            if not held and not heating and self.warm():
                held = True
                try:
                    await asyncio.wait_for(self._taken.wait(), HOLD_SECONDS)
                except TimeoutError:
                    pass
                at_once = max(1, (os.cpu_count() or 1) - 1)
            if not self._wanted:
                self._asked.clear()
                await self._asked.wait()
                continue
            name = self._wanted.pop(0)
            if manager.get_pool_size(name) >= self.pool_target(name):
                continue
            await self._while_a_page_renders()
            while len(heating) >= at_once:
                await asyncio.wait(heating, return_when=asyncio.FIRST_COMPLETED)
            have, target = manager.get_pool_size(name), self.pool_target(name)
            if have >= target:
                continue
            if have + 1 < target:  # one kernel per turn; the pool's next one right after
                self._want(notebook_name=name)
                self._wanted.insert(0, self._wanted.pop(self._wanted.index(name)))
            manager.kernel_pools_config[name] = {"pool_size": have + 1, "kernel_env_variables": self._env}
            try:
                self._fill(delay=0, notebook_name=name)
            except Exception:  # the heater must go on; a page asking for this notebook starts its own kernel
                self.log.exception("Kunne ikke varme en kerne op til %s", name)
                continue
            for pooled in list(manager._pools.get(name, [])):
                task = asyncio.ensure_future(self._until_heated(pooled))
                heating.add(task)
                task.add_done_callback(heating.discard)
            if not held:  # until the first page is warm, its kernels heat alone
                await asyncio.gather(*heating)

    async def _until_heated(self, pooled: asyncio.Future, seconds: float = 60) -> None:
        """Until the kernel waits on its query socket (stresskit.live.present._wait_for_request), or a
        page took it (and then renders with it)."""
        try:
            kernel_id = (await pooled)["kernel_id"]
        except Exception:  # Voilà logs it; a page asking for this notebook starts its own kernel
            return
        if self._resuming is not None and not self._resuming.done():
            self.kernel_manager.pause(kernel_id)  # started as a page was asked for: it waits for the page
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while loop.time() < deadline and kernel_id in self.kernel_manager._pooled():
            if kernel_id in RequestInfoSocketHandler._waiters:
                return
            await asyncio.sleep(0.05)

    async def _while_a_page_renders(self, seconds: float = 15) -> None:
        """Until every kernel outside the pools has run its notebook, its page has connected to it
        and taken its widgets, and it has been silent for QUIET_SECONDS (it is idle for a moment
        between cells; the browser draws the widgets after the last message). With no page open it
        returns without waiting, so the first pool is filling before the server answers its first request."""
        manager = self.kernel_manager
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while loop.time() < deadline:
            pooled = manager._pooled()
            if not any(self._drawing(k) for k in manager.list_kernel_ids() if k not in pooled):
                return
            await asyncio.sleep(0.1)

    def _drawing(self, kernel_id: str, recent: float = 20) -> bool:
        """A page's kernel runs its notebook or sends its widgets (it was active less than QUIET_SECONDS
        ago), or no browser has connected to it yet. A kernel silent for `recent` seconds is not waited
        for (a tab closed early, a stuck cell)."""
        manager = self.kernel_manager
        try:
            kernel = manager.get_kernel(kernel_id)
        except KeyError:  # stopped just now
            return False
        silent = (datetime.now(UTC) - kernel.last_activity).total_seconds()
        if silent > recent:
            return False
        return (
            silent < QUIET_SECONDS
            or kernel_id not in manager._connected_once
            or getattr(kernel, "execution_state", "idle") in ("starting", "busy")
        )
