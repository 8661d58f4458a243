"""The cycle collector held off while many objects are made or freed, by pauses that may overlap
on several threads: it runs again only when the last of them ends."""

from __future__ import annotations

import gc
import threading

import pytest

from exact_desktop.store.many_objects import dropped_aside, gc_paused

pytestmark = pytest.mark.usefixtures("collector_on")  # tests/conftest.py


def test_pauses_on_two_threads_keep_the_collector_off_until_the_last_one_ends():
    inside, leave = threading.Event(), threading.Event()

    def other() -> None:
        with gc_paused():
            inside.set()
            leave.wait(30)

    with gc_paused():
        thread = threading.Thread(target=other)
        thread.start()
        assert inside.wait(30)
    assert not gc.isenabled()  # the first pause is over, the other thread's is not
    leave.set()
    thread.join(30)
    assert gc.isenabled()


def test_what_is_dropped_aside_is_freed_on_another_thread_with_the_collector_off_meanwhile():
    freeing, done = threading.Event(), threading.Event()
    freed_on: list[str] = []

    class Parsed:
        def __del__(self) -> None:
            freed_on.append(threading.current_thread().name)
            freeing.set()
            done.wait(30)

    holder = [Parsed()]
    with gc_paused():
        dropped_aside(holder)
    assert freeing.wait(30)
    assert not gc.isenabled()  # the file's objects are not freed yet: the collector would walk them
    done.set()
    for _ in range(3000):
        if gc.isenabled():
            break
        threading.Event().wait(0.01)
    assert gc.isenabled() and holder == [] and freed_on == ["dropped aside"]
