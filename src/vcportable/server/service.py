"""What the routes call: one :class:`IssuerService` per configured issuer, over its registry.

Issuing never returns a credential that is not recorded, and never records one that could not
be signed: a request's credential is signed first (which validates it), then recorded with its
audit entry, and only answered once that commit is durable. A refused request leaves nothing
behind but a skipped status index (indices are never reused, so a skipped one is harmless).
Concurrent requests of a process are recorded together, one transaction per batch (see
``_submit``); status indices come from a per-process reserve, so processes do not queue on a
list's row either. A retried request (same credential id, same content and options) gets the
recorded claims signed again; other content under an issued id is a conflict.

Status lists are rendered from the registry on request, signed, and cached per process until
the registry's audit head moves (every state change appends an audit entry) or the copy ages.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select

from ..clock import Clock, SystemClock, format_datetime
from ..codec.json import parse_json
from ..errors import (
    ConfigurationError,
    ConflictError,
    CredentialInvalidError,
    InputError,
    StorageError,
    VcPortableError,
)
from ..issuer import (
    VC_V1_CONTEXT,
    Issuer,
    add_data_integrity_context,
    prepare_credential,
    validate_credential,
)
from ..keys import KeyPair
from ..keys.keyfile import passphrase_from_env
from ..proofs.dataintegrity import ecdsa_sd
from ..registry_issuer import canonical_text, text_hash
from ..status.bitstring import Bitstring
from ..status.entries import PURPOSES, list_url, status_entries
from ..status.publish import list_credential
from ..store import REVOKED, SUSPENDED, CredentialRecord, IssuerProfile, Store
from ..store.registry import checked_reason
from ..store.schema import audit_head
from . import tokens
from .config import IssuerConfig, ServerConfig

_STATE_OF = {"revocation": REVOKED, "suspension": SUSPENDED}
#: How long a signed status list is valid, and the ttl it states.
LIST_VALIDITY = timedelta(days=1)
LIST_TTL = timedelta(minutes=5)
#: A signed status list is signed again in each period of this many seconds (its validFrom
#: is the period's start), even if nothing changed.
LIST_REFRESH_SECONDS = 120.0
ACTIONS = ("revoke", "suspend", "reinstate")
#: Longest credential id recorded (the registry's column).
MAX_ID = 2048
#: Issue requests recorded in one transaction, at most.
MAX_BATCH = 64
#: Status indices a process takes from its list at a time.
RESERVE = 256


@dataclass(frozen=True)
class SignedList:
    body: bytes
    etag: str
    version: int
    #: The period it was signed for (:func:`_period_start`): its validFrom, in its tag too.
    start: datetime


def load_key(issuer: IssuerConfig) -> KeyPair:
    """The issuer's key pair; its passphrase, if any, from the variable the config names."""
    passphrase = passphrase_from_env(issuer.passphrase_env) if issuer.passphrase_env else None
    return KeyPair.load(issuer.key, passphrase)


def open_registry(config: ServerConfig, issuer: IssuerConfig, key: KeyPair, now: str) -> Store:
    """The issuer's registry, created and given its profile on first use (several workers may
    race to do it: the loser reads the winner's profile)."""
    store = Store.open(config.issuer_database(issuer), create=True)
    status_base = f"{config.base_url}/status/{issuer.name}"
    try:
        profile = store.profile()
    except StorageError:
        with contextlib.suppress(ConflictError):  # another worker made it first
            store.init_profile(
                IssuerProfile(
                    did=key.controller,
                    key_id=key.key_id,
                    key_path=str(issuer.key),
                    name=issuer.display_name or issuer.name,
                    municipality=issuer.municipality,
                    status_base_url=status_base,
                    list_size=issuer.list_size,
                    created_at=now,
                )
            )
        profile = store.profile()
    if profile.did != key.controller:
        store.close()
        raise ConfigurationError(
            f"issuer {issuer.name}: its registry issues as {profile.did}, the key belongs to "
            f"{key.controller} (a new DID is a new issuer: give it a new database)"
        )
    if profile.status_base_url.rstrip("/") != status_base:
        store.close()
        raise ConfigurationError(
            f"issuer {issuer.name}: its registry publishes status lists at "
            f"{profile.status_base_url}, not {status_base}: credentials already issued point "
            "there, so keep public_url as it was"
        )
    return store


@dataclass(eq=False)
class _Job:
    """One issue request waiting for its batch."""

    document: dict[str, Any]
    fmt: str
    with_status: bool
    pointers: Sequence[str] | None
    request_hash: str
    now: datetime
    token: str | None = None
    result: dict[str, Any] | str | None = None
    error: VcPortableError | None = None
    retry_of: _Job | None = None
    committed: bool = False
    finished: bool = False


class IssuerService:
    """One issuer: its key, its registry, its signed status lists."""

    def __init__(
        self, config: IssuerConfig, store: Store, key: KeyPair, *, clock: Clock | None = None
    ) -> None:
        self.config = config
        self.name = config.name
        self.store = store
        self.clock = clock or SystemClock()
        self.issuer = Issuer(key, cryptosuite=config.cryptosuite, clock=self.clock)
        self.profile = store.profile()
        self._lists: dict[tuple[int, str], SignedList] = {}
        self._lock = threading.Lock()
        self._queue = threading.Condition()
        self._pending: list[_Job] = []
        self._leading = False
        #: Signed jobs of the batch being recorded, by credential id.
        self._in_flight: dict[str, _Job] = {}
        self._recording = threading.Lock()
        self._reserve: list[tuple[int, int]] = []
        self._reserve_lock = threading.Lock()

    @property
    def did(self) -> str:
        return self.profile.did

    # -- issuing ----------------------------------------------------------------------------

    def issue(
        self,
        credential: Mapping[str, Any],
        *,
        fmt: str = "di",
        with_status: bool = False,
        mandatory_pointers: Sequence[str] | None = None,
        token: str | None = None,
    ) -> dict[str, Any] | str:
        """Record and sign one credential; a JSON-LD document, or a compact vc+jwt. With
        ``token`` (a bearer token's text), nothing is signed or recorded unless it is this
        issuer's, active and allows issuing: it is checked with the rest of its batch, in one
        registry read (a read per request was a transaction, and a pooled connection, each)."""
        with_status = with_status or self.config.status
        sd = self.config.cryptosuite == ecdsa_sd.CRYPTOSUITE
        if mandatory_pointers is not None and not sd:
            raise InputError("mandatoryPointers apply to an ecdsa-sd-2023 issuer only")
        if with_status and sd:
            raise InputError("an ecdsa-sd-2023 issuer does not add status entries")
        if fmt == "jwt" and sd:
            raise InputError("an ecdsa-sd-2023 issuer signs Data Integrity proofs only")
        now = self.clock.now()
        at = format_datetime(now)
        request = {
            "credential": credential,
            "options": [fmt, with_status, list(mandatory_pointers or ())],
        }
        request_hash = hashlib.sha256(
            json.dumps(request, sort_keys=True, ensure_ascii=False).encode("utf-8")
        ).hexdigest()
        if credential.get("issuer") is None:
            raise CredentialInvalidError([("issuer", f"required: this issuer is {self.did}")])
        document = prepare_credential(credential, self.did, at)
        document.setdefault("id", f"urn:uuid:{uuid.uuid4()}")
        if not isinstance(document["id"], str) or len(document["id"].encode()) > MAX_ID:
            raise InputError(f"the credential id must be a URL of at most {MAX_ID} bytes (UTF-8)")
        if _holds_nul(document):
            raise InputError("the credential holds a NUL character (U+0000): it cannot be recorded")
        if _names_own_lists(document.get("credentialStatus"), self.profile.status_base_url):
            raise InputError(
                "credentialStatus names this server's own status lists (its host), whose indices "
                "the registry assigns: leave it out and ask for entries with "
                "options.credentialStatus"
            )
        if with_status:
            if "credentialStatus" in document:
                raise InputError("credentialStatus is set by the issuer; leave it out")
            context = document.get("@context")
            if isinstance(context, list) and context[:1] == [VC_V1_CONTEXT]:
                raise InputError(
                    "status entries (BitstringStatusListEntry) need the VC 2.0 context; a VC "
                    "1.1 credential cannot carry them"
                )
        job = _Job(document, fmt, with_status, mandatory_pointers, request_hash, now, token)
        self._submit(job)
        if job.error is not None:
            raise job.error
        assert job.result is not None
        return job.result

    # Group commit: a registry write ends with a durable commit (an fsync) and the audit chain
    # takes one writer at a time, so committing each credential on its own caps issuing at one
    # commit per credential. Concurrent requests of a process queue up; whichever waiting
    # thread is free leads: it signs a batch, and hands the lead over as soon as it may record
    # the batch in one transaction, so that the next batch is signed while this one commits
    # (on PostgreSQL a commit took half of the time, with the CPU idle). Batches are recorded
    # one at a time, in the order they were signed.

    def _submit(self, job: _Job) -> None:
        with self._queue:
            self._pending.append(job)
            while not job.finished:
                if self._leading:
                    self._queue.wait()
                    continue
                self._leading = True
                batch = self._pending[:MAX_BATCH]
                del self._pending[:MAX_BATCH]
                self._queue.release()
                handed = threading.Lock()  # taken once, when the lead is handed over

                def hand_over(handed: threading.Lock = handed) -> None:
                    if handed.acquire(blocking=False):  # then another thread may lead
                        with self._queue:
                            self._leading = False
                            self._queue.notify_all()

                try:
                    self._run(batch, hand_over)
                finally:
                    hand_over()
                    self._queue.acquire()
                    self._queue.notify_all()

    def _run(self, batch: list[_Job], hand_over: Callable[[], None]) -> None:
        """Sign and record ``batch``; each job ends with its result or its own error. A job
        whose id is in a batch still being recorded takes that job's answer (or its 409).

        The registry is not read first: every other job is taken as new, and an id already
        recorded (a retry, or a clash) is found by the insert itself (see
        :meth:`_record_all`); a retry is rare, and reading first cost every batch a
        transaction of its own."""
        try:
            self._authorize(batch)
            with self._queue:
                in_flight = dict(self._in_flight)
            fresh: list[_Job] = []
            first: dict[str, _Job] = {}
            for job in batch:
                if job.error is not None:
                    continue
                credential_id = job.document["id"]
                earlier = first.get(credential_id) or in_flight.get(credential_id)
                if earlier is None:
                    first[credential_id] = job
                    fresh.append(job)
                elif earlier.request_hash != job.request_hash:
                    job.error = _clash(credential_id)
                else:
                    job.retry_of = earlier
            signed = self._sign_fresh(fresh)
            with self._queue:
                self._in_flight.update((job.document["id"], job) for job in fresh)
            with self._recording:  # the batch before this one has been recorded and answered
                hand_over()
                try:
                    self._record_all(signed)
                    for job in batch:  # retries of a job in flight: its answer
                        if job.retry_of is not None:
                            job.result, job.error = job.retry_of.result, job.retry_of.error
                except VcPortableError as exc:
                    _fail(batch, exc)  # before the next batch may read these jobs' answers
                finally:
                    with self._queue:
                        for job in fresh:
                            self._in_flight.pop(job.document["id"], None)
        except VcPortableError as exc:
            _fail(batch, exc)
        except BaseException:
            # A bug or a driver's own error: the leading request gets it (a 500, logged);
            # the others of its batch must not read as issued unless they were committed.
            _fail(batch, StorageError("the credential could not be recorded (see the log)"))
            raise
        finally:
            for job in batch:
                job.finished = True

    def _authorize(self, batch: list[_Job]) -> None:
        """Each job with a token gets its AccessDenied unless the token is this issuer's,
        active and allows issuing (all the batch's tokens read at once)."""
        asking = [job for job in batch if job.token is not None]
        if not asking:
            return
        with self.store.reading() as connection:
            rows = tokens.lookup(connection, [job.token for job in asking if job.token])
        for job in asking:
            assert job.token is not None
            try:
                tokens.check(rows, job.token, "issue", now=job.now, issuer=self.did)
            except VcPortableError as exc:
                job.error = exc

    def _sign_fresh(self, jobs: list[_Job]) -> list[tuple[_Job, CredentialRecord]]:
        """Indices from the process's reserve, status entries, signatures; a job that cannot
        be signed gets its error and costs only its index (never reused)."""
        signed = []
        for job, (list_id, index) in zip(jobs, self._indices(len(jobs)), strict=True):
            if job.with_status:
                job.document["credentialStatus"] = status_entries(
                    self.profile.status_base_url, list_id, index
                )
            if self._attempt(job, job.document):
                at = format_datetime(job.now)
                record = _record(job.document, job.fmt, list_id, index, at, job.request_hash)
                signed.append((job, record))
        return signed

    def _attempt(self, job: _Job, document: dict[str, Any]) -> bool:
        try:
            job.result = self._sign(document, job.fmt, job.now, job.pointers)
        except VcPortableError as exc:
            job.result, job.error = None, exc
            return False
        return True

    def _record_all(self, signed: list[tuple[_Job, CredentialRecord]]) -> None:
        """One transaction for the batch; if one of its ids is recorded already (by an
        earlier batch or another process), each is recorded alone, and a job whose id is
        taken is a retry (the same request: the recorded claims, signed again) or a 409."""
        if not signed:
            return
        try:
            with self.store.transaction() as connection:
                self.store.record(connection, [r for _, r in signed], at=self._now())
        except ConflictError:
            for job, record in signed:
                try:
                    with self.store.transaction() as connection:
                        self.store.record(connection, [record], at=self._now())
                except ConflictError as exc:
                    self._answer_recorded(job, exc)
                    continue
                job.committed = True
            return
        for job, _ in signed:
            job.committed = True

    def _answer_recorded(self, job: _Job, conflict: ConflictError) -> None:
        """``job`` could not be recorded (``conflict``): if its id is recorded for the same
        request, sign the recorded claims again, else a 409."""
        credential_id = job.document["id"]
        try:
            found = self.store.credential(credential_id)
        except StorageError as exc:
            if exc.code != "NOT_FOUND":
                raise
            job.result, job.error = None, conflict  # not the id: some other unique key
            return
        if found.row_hash != job.request_hash:
            job.result, job.error = None, _clash(credential_id)
            return
        self._attempt(job, _recorded(found.document, f"recorded {credential_id}"))

    def _indices(self, count: int) -> list[tuple[int, int]]:
        """``count`` status indices from this process's reserve, refilled in a short
        transaction of its own, so that issuing processes never wait on each other's list
        row. Indices a process never hands out are skipped, never reused."""
        with self._reserve_lock:
            if len(self._reserve) < count:
                with self.store.transaction() as connection:
                    self._reserve += self.store.allocate(
                        connection,
                        max(RESERVE, count - len(self._reserve)),
                        list_size=self.profile.list_size,
                        at=self._now(),
                    )
            taken = self._reserve[:count]
            del self._reserve[:count]
            return taken

    def _sign(
        self,
        document: dict[str, Any],
        fmt: str,
        now: datetime,
        mandatory_pointers: Sequence[str] | None,
    ) -> dict[str, Any] | str:
        if fmt == "jwt":
            return self.issuer.issue_jwt(document)
        if self.config.cryptosuite != ecdsa_sd.CRYPTOSUITE:
            return self.issuer.issue(document)
        validate_credential(document)
        add_data_integrity_context(document)
        return ecdsa_sd.add_base_proof(
            document,
            self.issuer.key,
            created=now,
            loader=self.issuer.loader,
            mandatory_pointers=mandatory_pointers or (),
        )

    # -- status -----------------------------------------------------------------------------

    def change_status(
        self, credential_id: str, action: str, reason: str, *, token_id: str | None = None
    ) -> CredentialRecord:
        """Revoke, suspend or reinstate one of this issuer's credentials (NOT_FOUND for a
        credential of anyone else: it is not in this registry). The audit entry names the
        token that asked."""
        if action not in ACTIONS:
            raise InputError(f"action must be one of {', '.join(ACTIONS)}")
        if _holds_nul(credential_id):
            raise InputError("a NUL character (U+0000) cannot be recorded")
        reason = checked_reason(reason)  # the audit log's rules, NUL included
        record = self.store.credential(credential_id)
        recorded = _recorded(record.document, f"recorded credential {credential_id}")
        if recorded.get("credentialStatus") is None:
            raise ConflictError(
                f"{credential_id} was issued without status entries: no verifier could learn "
                "of a change, so none is recorded"
            )
        assigned = status_entries(self.profile.status_base_url, record.list_id, record.status_index)
        if recorded["credentialStatus"] != assigned:
            raise ConflictError(
                f"{credential_id} carries status entries its issuing request wrote, not ones this "
                "registry assigned: no verifier would read a change recorded here, so none is"
            )
        details = {"token": token_id} if token_id else None
        self.store.change_state(
            action, credential_id, reason=reason, at=self._now(), details=details
        )
        return self.store.credential(credential_id)

    def _now(self) -> str:
        return format_datetime(self.clock.now())

    def _version(self) -> int:
        with self.store.reading() as connection:
            return int(connection.execute(select(audit_head.c.seq)).scalar_one())

    def status_list(self, list_id: int, purpose: str) -> SignedList:
        """The signed status list credential, from cache while the registry has not changed."""
        if purpose not in PURPOSES:
            raise StorageError(f"no status purpose {purpose!r}", code="NOT_FOUND")
        version = self._version()
        key = (list_id, purpose)

        def fresh() -> SignedList | None:
            # the same registry state and the same period: what every worker would render now
            cached = self._lists.get(key)
            if (
                cached is not None
                and cached.version == version
                and cached.start == _period_start(self.clock.now())
            ):
                return cached
            return None

        if (cached := fresh()) is not None:
            return cached
        with self._lock:  # one rendering at a time per process; the others reuse it
            if (cached := fresh()) is not None:
                return cached
            info = {i.id: i for i in self.store.status_lists()}.get(list_id)
            if info is None:
                raise StorageError(f"no status list {list_id} for {self.name}", code="NOT_FOUND")
            bits = Bitstring(info.size)
            bits.set_all(list(self.store.flagged_indices(list_id, _STATE_OF[purpose])))
            start = _period_start(self.clock.now())
            url = list_url(self.profile.status_base_url, list_id, purpose)
            document = list_credential(
                url,
                self.did,
                purpose,
                bits,
                valid_from=start,
                valid_until=start + LIST_VALIDITY,
                ttl=LIST_TTL,
            )
            body = json.dumps(self.issuer.issue(document), ensure_ascii=False).encode("utf-8")
            # Weak: every worker signs its own copy (another proof, the same statements), and
            # those of one period state the same bits for the same validity, so any of them
            # revalidates against any worker (a strong tag per copy made a cache behind a load
            # balancer fetch the list again every other time).
            state = hashlib.sha256(f"{url} {start.isoformat()} ".encode() + bits.to_bytes())
            signed = SignedList(body, f'W/"{state.hexdigest()[:32]}"', version, start)
            self._lists[key] = signed
            return signed

    def list_for_url(self, url: str) -> SignedList | None:
        """The signed list behind one of this issuer's status list URLs, else None."""
        base = self.profile.status_base_url.rstrip("/") + "/"
        if not url.startswith(base):
            return None
        named = parse_list_name(url[len(base) :])
        if named is None:
            return None
        try:
            return self.status_list(*named)
        except StorageError as exc:
            if exc.code == "NOT_FOUND":
                return None
            raise

    def ping(self) -> None:
        self._version()


def _period_start(now: datetime) -> datetime:
    """The start of the :data:`LIST_REFRESH_SECONDS` period ``now`` falls in: a list's
    ``validFrom``, the same in every worker that signs it within the period."""
    if LIST_REFRESH_SECONDS <= 0:
        return now
    seconds = now.timestamp() // LIST_REFRESH_SECONDS * LIST_REFRESH_SECONDS
    return datetime.fromtimestamp(seconds, now.tzinfo or UTC)


def parse_list_name(name: str) -> tuple[int, str] | None:
    """``(list id, purpose)`` of a list's last path segment, as
    :func:`~vcportable.status.entries.list_url` names it (``3-revocation``); else None."""
    list_part, _, purpose = name.partition("-")
    # one list, one URL: not "١", not "01"
    digits = list_part.isascii() and list_part.isdigit() and list_part == str(int(list_part or 0))
    if not digits or len(list_part) > 9 or purpose not in PURPOSES:
        return None
    return int(list_part), purpose


def _names_own_lists(status: Any, base_url: str) -> bool:
    """Whether a requested ``credentialStatus`` points at this server's origin (scheme, host
    and port, however spelt): only the registry assigns entries there, and a path could be
    spelt past any prefix test (``..``, ``%61``, ``//``) that a client and the router undo."""
    base = _origin(base_url)
    entries = status if isinstance(status, list) else [status]
    return base is not None and any(
        isinstance(entry, Mapping) and _origin(entry.get(name)) == base
        for entry in entries
        for name in ("id", "statusListCredential")
    )


def _origin(url: Any) -> tuple[str, str, int | None] | None:
    """(scheme, host, port) of an http(s) URL, as a server tells them apart."""
    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port or {"https": 443, "http": 80}.get(parts.scheme.lower())
    except ValueError:
        return None
    return parts.scheme.lower(), (parts.hostname or "").rstrip("."), port


def _clash(credential_id: str) -> ConflictError:
    return ConflictError(
        f"{credential_id} was issued already, with other content or options: a credential "
        "id names one credential (leave the id out to have one assigned)"
    )


def _fail(batch: list[_Job], exc: VcPortableError) -> None:
    """The registry failed: nothing of ``batch`` that is not committed is issued."""
    for job in batch:
        if not job.committed:
            job.result, job.error = None, exc


def _record(
    document: Mapping[str, Any], fmt: str, list_id: int, index: int, at: str, request_hash: str
) -> CredentialRecord:
    """The registry's row; ``row_hash`` holds the hash of the request's credential, so that a
    retried request is recognised (:meth:`IssuerService._run`)."""
    subject = document.get("credentialSubject")
    subject = subject if isinstance(subject, Mapping) else {}
    achievement = subject.get("achievement")
    achievement_id = achievement.get("id") if isinstance(achievement, Mapping) else None
    name = subject.get("name")
    start = document.get("validFrom", document.get("issuanceDate", at))
    end = document.get("validUntil", document.get("expirationDate"))
    text = canonical_text(document)  # what the registry stores, as registry_issuer does
    return CredentialRecord(
        id=str(document["id"]),
        subject_id=_short(subject.get("id")),
        subject_name=_short(name, 1024),
        achievement_id=_short(achievement_id) or "",
        format=fmt,
        list_id=list_id,
        status_index=index,
        valid_from=str(start)[:40],
        valid_until=str(end)[:40] if isinstance(end, str) else None,
        content_hash=text_hash(text),
        document=text,
        issued_at=at,
        row_hash=request_hash,
    )


def _short(value: Any, limit: int = 2048) -> str | None:
    """At most ``limit`` bytes of UTF-8 (an indexed column: PostgreSQL's index rows hold at
    most 2,704 bytes, and 2,048 characters may take 8 KB)."""
    if not isinstance(value, str):
        return None
    return value.encode()[:limit].decode("utf-8", "ignore")


def _holds_nul(value: Any) -> bool:
    """Whether a NUL character is in any string or key of ``value`` (PostgreSQL's text cannot
    hold one; refused on SQLite too, so that both registries answer alike)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, Mapping):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _recorded(document: str, what: str) -> Any:
    """A document this registry recorded: still read strictly, but bounded by its own size,
    not by the request limit (signing added a status entry to what the request carried)."""
    return parse_json(document, what=what, max_bytes=len(document.encode()))
