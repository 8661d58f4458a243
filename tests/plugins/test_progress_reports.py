"""A plugin's progress reports travel on their own thread: process() does not wait for the server."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from exact_desktop.model import entities as e
from exact_desktop.plugins.jobs import cancel_job, create_jobs
from exact_desktop.plugins.sdk.context import Cancelled, JobContext
from exact_desktop.rest.connection import Connection
from exact_desktop.rest.processing import job_read
from exact_desktop.server.server import serve_in_thread


def test_progress_returns_while_the_server_cannot_answer_and_a_cancel_still_stops_the_job(project):
    store, s, plugin, _ = project
    job = create_jobs(store, plugin, s.image_set.id, images=[s.image.id]).created[0]
    spot = store.list(e.AnnotationType, name="Spot")[0]
    server = serve_in_thread(store)
    connection = Connection(server.url, server.token)
    context = JobContext(connection, job_read(connection, job.id), {"id": plugin.id}, {"Spot": spot.id})
    writer = sqlite3.connect(store.path, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")  # the project file is busy: the server's PATCH of the job waits
        returned = threading.Event()
        reporting = threading.Thread(target=lambda: (context.progress(0.5), returned.set()), daemon=True)
        reporting.start()
        assert returned.wait(10), "progress() waited for the server's answer"
        writer.execute("ROLLBACK")
        cancel_job(store, job.id)
        context.progress(1.0)  # the report whose answer shows the cancel
        context.reports_done()
        with pytest.raises(Cancelled):
            context.progress(1.0)
        assert store.get(e.PluginJob, job.id).processing_complete == pytest.approx(99.9)
    finally:
        writer.close()
        context.reports_done()
        context.writer.close()
        server.stop()
