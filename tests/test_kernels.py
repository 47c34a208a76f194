"""The live server's kernel manager stops a kernel heating in a pool while a page is drawn and lets it
go on afterwards, and never leaves one stopped at shutdown (a stopped kernel would hang the room's page)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import sys
import time
from pathlib import Path

import pytest

from stresskit.live.kernels import CappedKernelManager

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads the process state from /proc")


def _state(pid: int, wanted: str = "") -> str:
    """The process's state, «T» (stopped) while paused; waits up to 2 s for `wanted` (a signal
    takes effect a moment after it is sent)."""
    for _ in range(200):
        status = Path(f"/proc/{pid}/status").read_text()
        state = next(line.split()[1] for line in status.splitlines() if line.startswith("State:"))
        if not wanted or (state == "T") == (wanted == "T"):
            return state
        time.sleep(0.01)
    return state


def test_a_paused_kernel_is_stopped_resumed_and_shut_down_running(tmp_path):
    async def run():
        manager = CappedKernelManager(root_dir=str(tmp_path))
        kid = await manager.start_kernel(kernel_name="python3")
        pid = manager.get_kernel(kid).provisioner.pid
        try:
            manager.pause(kid)
            manager.pause(kid)  # twice is once
            assert _state(pid, "T") == "T"
            manager.resume(kid)
            assert _state(pid, "running") != "T"
            manager.pause(kid)
            assert _state(pid, "T") == "T"
            # shutting down a stopped kernel resumes it first, so it can end within the default wait
            await asyncio.wait_for(manager.shutdown_kernel(kid), 30)
        finally:
            manager.resume()
            if kid in manager.list_kernel_ids():
                await manager.shutdown_kernel(kid, now=True)
        assert not Path(f"/proc/{pid}").exists() or _state(pid) == "Z"
        assert manager._paused == {}

    # in a thread of its own: a browser test in this worker may have left its event loop running here
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, run()).result()


def test_pausing_a_kernel_that_is_gone_does_nothing(tmp_path):
    manager = CappedKernelManager(root_dir=str(tmp_path))
    manager.pause("no-such-kernel")
    manager.resume("no-such-kernel")
    manager.resume()
    assert manager._paused == {}
