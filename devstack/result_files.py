"""An electronic result kept for a dossier on the running local stack, as the files service
keeps one once checked (bytes under files/, the record): for the screens and the browser tests
of the citizen's download. The local stack trusts no signing CA, so the file is unsigned."""

from __future__ import annotations

import hashlib

from chalicelib import bootstrap
from chalicelib.adapters.aws import client
from chalicelib.domain.files import FileKind, StoredFile, file_id_for
from chalicelib.domain.result_signatures import Problem, SignatureCheck

SAMPLE_PDF = b"%PDF-1.4\n% the electronic result\n%%EOF\n"


def keep_result(code: str, name: str = "Kết quả.pdf", content: bytes = SAMPLE_PDF) -> StoredFile:
    container = bootstrap.container()
    sha = hashlib.sha256(content).hexdigest()
    stored = StoredFile(
        code=code,
        file_id=file_id_for(code, FileKind.RESULT, None, sha),
        kind=FileKind.RESULT,
        component=None,
        name=name,
        sha256=sha,
        size=len(content),
        content_type="application/pdf",
        uploaded_by="screens",
        at=container.now(),
        signature=SignatureCheck.of_file(Problem.NO_SIGNATURE, "no signature"),
    )
    client("s3").put_object(Bucket=container.settings.files_bucket, Key=stored.key, Body=content)
    return container.file_records.put_file(stored)
