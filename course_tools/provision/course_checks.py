"""make doctor's checks of what the course's commands need: full MNIST, the grading sandbox
and its limits, the tools of make test, certificates for downloads, who can enter the checkout.

Each check is a function of measured values (:mod:`course_tools.provision.measurements`
measures them), so the tests feed it fake ones. Standard library only.
"""

from __future__ import annotations

import gzip
import hashlib
import shlex
import urllib.parse
from collections.abc import Mapping
from pathlib import Path

from course_tools.provision.findings import (
    OK,
    PROBLEM,
    WARNING,
    CountedText,
    Finding,
    Probe,
    Text,
    command,
)
from course_utils.data_home import (
    IDX_FILES,
    MNIST_IDX_SHA256,
    MNIST_NPZ_SHA256,
    file_sha256,
)
from course_utils.language import N_

USERNS_SYSCTLS = {  # the setting that blocks unprivileged user namespaces, and the value that allows them
    "kernel.apparmor_restrict_unprivileged_userns": ("1", "0"),  # Ubuntu 23.10 and later
    "kernel.unprivileged_userns_clone": ("0", "1"),  # older Debian kernels
    "user.max_user_namespaces": ("0", "15000"),
}


# --- 5. Full MNIST ---------------------------------------------------------------------------


def sha256_forms(path: Path) -> set[str]:
    """SHA-256 of the file as stored and, for ``.gz``, of its content: either may be the pinned one.

    The same rule as ``course_utils.data.files.hash_is_known``, reading in blocks.
    """
    forms = {file_sha256(path)}
    if path.suffix == ".gz":
        digest = hashlib.sha256()
        try:
            with gzip.open(path, "rb") as stream:
                for block in iter(lambda: stream.read(1 << 20), b""):
                    digest.update(block)
            forms.add(digest.hexdigest())
        except (OSError, EOFError):  # not valid gzip: only the stored form can match
            pass
    return forms


def idx_path(folder: Path, stem: str) -> Path | None:
    """The IDX file as ``load_dataset`` looks for it: plain, else gzipped."""
    return next((path for path in (folder / stem, folder / f"{stem}.gz") if path.is_file()), None)


def check_mnist(folder: Path, *, from_variable: bool, npz_sha256: frozenset[str] = MNIST_NPZ_SHA256,
                idx_sha256: Mapping[str, frozenset[str]] = MNIST_IDX_SHA256) -> Finding:
    """Full MNIST where the notebooks read it, every file checked against the pinned SHA-256.

    ``from_variable``: ``folder`` comes from COURSE_DATA_DIR, which ``load_dataset`` reads
    first (mnist.npz before IDX files); otherwise it is the course data folder, used when
    it holds an IDX file.
    """
    if from_variable:
        where = Text("{folder} (COURSE_DATA_DIR, read before the course data folder)", folder=folder)
        refetch = command("unset COURSE_DATA_DIR && make data")
        if not folder.is_dir():
            return Finding(PROBLEM, Text("COURSE_DATA_DIR={folder} is not a folder, so loading the data would fail.",
                                         folder=folder), command("unset COURSE_DATA_DIR"))
    else:
        where = Text("the course data folder {folder}", folder=folder)
        refetch = command("make data")
    present = {key: idx_path(folder, stem) for key, stem in IDX_FILES.items()}
    npz = folder / "mnist.npz"
    used = folder.is_dir() and (from_variable or any(present.values()))
    if not used:
        return Finding(PROBLEM, Text("No full MNIST in {where}: `make run` and `make test` need it.", where=where),
                       refetch)
    if not (npz.is_file() or all(present.values())):
        missing = [IDX_FILES[key] for key, path in present.items() if path is None]
        return Finding(PROBLEM, CountedText("Full MNIST in {where} is incomplete: {files} is missing.",
                                            "Full MNIST in {where} is incomplete: {files} are missing.",
                                            len(missing), where=where, files=missing), refetch)
    if npz.is_file():
        checked, files = "mnist.npz", {npz: npz_sha256}
        if not from_variable:  # make data leaves a stray mnist.npz in its folder alone
            refetch = command(f"rm {shlex.quote(str(npz))} && make data")
    else:
        checked, files = N_("the four IDX files"), {present[key]: idx_sha256[key] for key in IDX_FILES}
    bad = [path.name for path, pinned in files.items() if not sha256_forms(path) & pinned]
    if bad:
        return Finding(PROBLEM, CountedText(
            "{files} in {where} matches no SHA-256 the course pins: damaged, or a different file.",
            "{files} in {where} match no SHA-256 the course pins: damaged, or a different file.",
            len(bad), files=bad, where=where), refetch)
    return Finding(OK, Text("Full MNIST in {where}: {checked}, SHA-256 verified.", where=where, checked=checked))


# --- 6. The grading sandbox ------------------------------------------------------------------

GRADE_AS_ROOT = Text("grade as root: `sudo make grade SUBMISSIONS=folder`")


def check_sandbox(bwrap_found: bool, probe: Probe | None, *, as_root: bool,
                  sysctls: Mapping[str, str | None]) -> Finding:
    """bubblewrap can start the grading sandbox (as a normal user: in a user namespace)."""
    if not bwrap_found:
        return Finding(WARNING, Text("bubblewrap (bwrap) is not installed: `make grade` cannot run submissions "
                                     "in its sandbox."), command("sudo apt-get install bubblewrap"))
    if probe is not None and probe.succeeded:
        if as_root:
            return Finding(OK, Text("bubblewrap starts the grading sandbox (as root, it needs no user namespace)."))
        return Finding(OK, Text("bubblewrap starts the grading sandbox: unprivileged user namespaces work."))
    error = probe.output if probe else ""
    for name, (blocking, allowing) in USERNS_SYSCTLS.items():
        if not as_root and sysctls.get(name) == blocking:
            return Finding(WARNING, Text(
                "bubblewrap cannot start the grading sandbox (“{error}”): {name} = {blocking} forbids "
                "unprivileged user namespaces.", error=error, name=name, blocking=blocking),
                command(f"echo {name}={allowing} | sudo tee /etc/sysctl.d/60-course-userns.conf && sudo sysctl --system"))
    where = Text("grade on a machine whose root may create namespaces") if as_root else GRADE_AS_ROOT
    return Finding(WARNING, Text("bubblewrap cannot start the grading sandbox (“{error}”), as often inside a container.",
                                 error=error),
                   Text("{where}; for your own notebooks only, without a sandbox: "
                        "`make grade SUBMISSIONS=folder GRADE_TRUSTED=1`", where=where))


# --- 7. What make test, make slides and make book need ---------------------------------------


def check_grading_limits(cgroup_version: int | None) -> Finding:
    """Whether a submission's memory, processes and CPU share are held by the kernel (a cgroup)."""
    if cgroup_version:
        return Finding(OK, Text("While grading, each submission's memory, processes and CPU share are held "
                                "by cgroup v{version}.", version=cgroup_version))
    return Finding(WARNING, Text("No cgroup can be made here (it needs root): while grading, memory can only be "
                                 "watched, not limited, so `make grade` refuses unless given `NO_MEMORY_LIMIT=1`."),
                   GRADE_AS_ROOT)


def check_test_tools(missing: list[str]) -> Finding:
    """Chromium, npm, the PDF tools and Fashion-MNIST (``missing``: their Debian packages)."""
    if not missing:
        return Finding(OK, Text("Chromium, npm, the PDF tools (poppler-utils) and Fashion-MNIST are installed: "
                                "`make test`, `make slides` and `make book` can run."))
    return Finding(WARNING, Text("Not installed yet, needed by `make test`, `make slides` and `make book`: "
                                 "{packages}.", packages=list(missing)),
                   command(f"sudo apt-get install {' '.join(missing)}"))


# --- 8. Certificates and the package mirror --------------------------------------------------


def shown_url(url: str) -> str:
    """The URL without its password, if it carries one."""
    parts = urllib.parse.urlsplit(url)
    if not parts.password:
        return url
    netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def check_certificates(bundle: Path, certificates: int | None, *, from_variable: bool,
                       index_url: str | None, setup_done: bool) -> Finding:
    """The CA bundle that uv (--system-certs) and pip check downloads with; the mirror, if any.

    ``certificates``: how many the bundle holds, None when it cannot be read.
    """
    if certificates is None and from_variable:
        return Finding(PROBLEM, with_mirror(Text("SSL_CERT_FILE={bundle} cannot be read: pip and uv cannot check any "
                                                 "download.", bundle=bundle), index_url),
                       command("unset SSL_CERT_FILE"))
    if certificates is None:
        return Finding(PROBLEM if not setup_done else WARNING, with_mirror(Text(
            "No system CA bundle {bundle}: `make setup` has uv use the system's certificates "
            "(--system-certs), so without it downloads cannot be checked.", bundle=bundle), index_url),
            command("sudo apt-get install ca-certificates"))
    return Finding(OK, with_mirror(Text(
        "CA bundle {bundle} ({certificates} certificates). `make setup` has uv use the system's certificates "
        "(--system-certs), so a campus proxy's CA added to the system store works.",
        bundle=bundle, certificates=certificates), index_url))


def with_mirror(found: Text, index_url: str | None) -> Text:
    """``found``, followed by the package mirror when PIP_INDEX_URL names one."""
    if not index_url:
        return found
    return Text("{found} Package mirror: PIP_INDEX_URL={url}.", found=found, url=shown_url(index_url))


# --- 9. Who can enter the checkout -----------------------------------------------------------


def check_checkout_access(root: Path, closed: tuple[Path, int] | None) -> Finding:
    """Informational: the hub and the grader show students' processes what they need through it."""
    if closed is None:
        return Finding(OK, Text("Other accounts can enter {root} and every folder around it (o+x).", root=root))
    folder, mode = closed
    return Finding(OK, Text(
        "{folder} is closed to other accounts (mode {mode:04o}). That is fine: the sandbox of `make grade` and "
        "the students' processes under `make hub` see what they need of it, read-only (the Python environment, "
        "course_utils, the data, their edition), and nothing else.", folder=folder, mode=mode))
