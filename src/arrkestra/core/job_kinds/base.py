"""What every job kind shares: params that know their key, results that know their outcome.

A job row stores its params and its result as JSON. The models here are the only code
that reads or writes that JSON: a params model builds its job's idempotency key and spec,
a result model serialises what a run found; SQL that looks inside the JSON asks the model
for the path (:meth:`StoredModel.json_path`), so a renamed field cannot leave a query
reading a key nobody writes.

Loading is lenient where it must be: unknown keys are ignored (a newer version's rows, an
older version's extras) and a stored row that does not fit its model is a
:class:`~arrkestra.core.errors.PermanentError` for the job that owns it, never a crash.
"""

from __future__ import annotations

from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, ValidationError

from arrkestra.core.errors import PermanentError
from arrkestra.core.job_kinds.words import file_name, quoted
from arrkestra.core.jobs import JobSpec, JsonObject


class StoredModel(BaseModel):
    """A model stored as a JSON object in a job row (its validator built on first use)."""

    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)

    @classmethod
    def load(cls, data: JsonObject | None) -> Self:
        """The stored JSON as this model; ``PermanentError`` saying what does not fit."""
        try:
            return cls.model_validate(data or {})
        except ValidationError as exc:
            raise unfit(cls.what(), exc) from None

    @classmethod
    def what(cls) -> str:
        """How an error names what did not fit."""
        return cls.__name__

    @classmethod
    def json_path(cls, field: str) -> str:
        """``$.field`` for SQLite's ``json_extract``; the field must be one of the model's."""
        if field not in cls.model_fields:
            raise AttributeError(f"{cls.__name__} has no field {field!r}")
        return f"$.{field}"


def unfit(what: str, exc: ValidationError) -> PermanentError:
    """Stored JSON that fits no model: the job dies, naming the first field that does not fit."""
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"]) or "the object"
    return PermanentError(f"invalid {what}: {where}: {error['msg']}")


class JobParams(StoredModel):
    """What a job is asked to do. Each kind names its pipeline and builds its own key."""

    pipeline: ClassVar[str]

    @classmethod
    def what(cls) -> str:
        return f"{cls.pipeline} job"  # "invalid cleanup job: media_type: ..."

    def key(self) -> str:
        """The idempotency key: the same work asked for twice is one active job."""
        raise NotImplementedError

    def to_json(self) -> JsonObject:
        return self.model_dump(mode="json")

    def spec(self, *, delay: float = 0.0, debounce: bool = False) -> JobSpec:
        """The job, not yet stored, that asks for this work."""
        return JobSpec(self.pipeline, self.key(), self.to_json(), delay=delay, debounce=debounce)

    def about(self) -> str:
        """What the job is about, for a sentence: its title quoted, else its file, else
        its kind. Each kind says it best for itself (``"The Show S01E02"``)."""
        found = subject_of(self.to_json())
        return quoted(found) if found else f"a {self.pipeline} job"

    def task(self) -> str:
        """The work asked for, as it follows "could not": ``mirror "Amélie (2001)"``."""
        return f"run the {self.pipeline} job for {self.about()}"


class JobResult(StoredModel):
    """What a finished job did. ``outcome`` is its one word; ``summary`` its one line for
    people (the history log, alerts, the daily summary)."""

    KEPT_WHEN_NONE: ClassVar[frozenset[str]] = frozenset()
    """Fields written even when None (``"media_id": null``): the rest are left out when
    unknown, so a result carries ``note`` or ``batch_of`` only when it has one."""

    outcome: str
    summary: str | None = None

    def to_json(self) -> JsonObject:
        data: dict[str, Any] = self.model_dump(mode="json")
        return {k: v for k, v in data.items() if v is not None or k in self.KEPT_WHEN_NONE}

    def in_words(self, about: str) -> str:
        """What the job did, as one sentence about ``about`` (its params' :meth:`JobParams.about`):
        ``mirrored "Amélie (2001)" 1.2 GiB in 8 s``. Each kind says its own outcomes."""
        said = f"{self.outcome.replace('_', ' ')}: {about}"
        return f"{said} ({self.summary})" if self.summary else said


class _Summary(StoredModel):
    summary: str | None = None


def summary_of(result: JsonObject | None) -> str | None:
    """The one line any stored result carries, whatever its kind (None: it has none)."""
    try:
        return _Summary.model_validate(result or {}).summary
    except ValidationError:
        return None


class _Subject(StoredModel):
    title: str | None = None
    library_path: str | None = None
    subject: str | None = None


def subject_of(params: JsonObject | None) -> str | None:
    """What a job is about, for people (a failure notification): the title its params name,
    else its file's name, else None. Whatever its kind; never raises."""
    try:
        found = _Subject.model_validate(params or {})
    except ValidationError:
        return None
    if found.title:
        return found.title
    if found.library_path:
        return file_name(found.library_path) or None
    return found.subject or None
