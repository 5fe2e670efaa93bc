"""The deadline and cancellation of the request a thread is working for.

The gRPC layer opens a RequestScope per call and stores it in a context variable that follows
the call's work into executor threads. Long-running parts (the embedding batcher, the
server's step loop) ask ``check()`` before each piece of work, so a cancelled call or one
whose deadline is about to pass stops instead of keeping workers busy for nobody. Nothing
here knows about gRPC.
"""

from __future__ import annotations

import threading
import time
from contextvars import ContextVar

from service.errors import Abandoned


class RequestScope:
    """One request's deadline (monotonic seconds, None for none) and cancellation flag."""

    def __init__(self, deadline: float | None, margin_s: float) -> None:
        self.deadline = deadline
        self.margin_s = margin_s
        self._cancelled = threading.Event()

    @classmethod
    def from_timeout(cls, timeout_s: float | None, margin_s: float) -> RequestScope:
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        return cls(deadline, margin_s)

    def cancel(self) -> None:
        self._cancelled.set()

    def seconds_left(self) -> float | None:
        """How long the work may still run (until ``margin_s`` before the deadline); None
        without a deadline."""
        if self.deadline is None:
            return None
        return self.deadline - self.margin_s - time.monotonic()

    def abandoned(self) -> Abandoned | None:
        """Why the work should stop now, or None while it may go on."""
        if self._cancelled.is_set():
            return Abandoned("the call was cancelled", deadline=False)
        left = self.seconds_left()
        if left is not None and left < 0:
            return Abandoned("the deadline is too near to finish the work", deadline=True)
        return None

    def check(self) -> None:
        """Raise Abandoned when the work should stop."""
        reason = self.abandoned()
        if reason is not None:
            raise reason


#: The scope of the request being served; None outside a server call (CLI, batch runs).
CURRENT: ContextVar[RequestScope | None] = ContextVar("veracity_request_scope", default=None)


def check_current() -> None:
    """Raise Abandoned when the current request (if any) should stop."""
    scope = CURRENT.get()
    if scope is not None:
        scope.check()
