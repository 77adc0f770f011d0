"""The reconciliation reads each dossier's stored files once a run for each revision of it: the
record it compares, the one it pushes again and the one it compares after the push are built
from one reading (the nightly job's extra DynamoDB queries, docs/benchmarks.md), and the portal
still ends holding the files' links."""

from chalicelib.adapters.file_records import MemoryFileRecords
from chalicelib.domain.files import FileKind
from chalicelib.services import portal_reconcile
from tests.unit.test_portal_files import LINKS, stored
from tests.unit.test_portal_reconcile import NOW, World, code_of


class CountedFiles(MemoryFileRecords):
    def __init__(self) -> None:
        super().__init__()
        self.reads: dict[str, int] = {}

    def files(self, code):
        self.reads[code] = self.reads.get(code, 0) + 1
        return super().files(code)


def world_with_files(calendar, dossiers):
    world = World(calendar, dossiers=dossiers)
    records = CountedFiles()
    for n in range(1, dossiers + 1):
        records.put_file(stored(code_of(n), FileKind.COMPONENT, "Đơn.pdf", b"%PDF-1", "1"))
    world.rewire(files=records, links=LINKS)
    return world, records


def test_a_repushed_dossier_s_files_are_read_once_and_reach_the_portal(calendar):
    world, records = world_with_files(calendar, dossiers=2)
    for n in (1, 2):
        world.sync_as_the_queue_does(code_of(n))
    world.lose_a_push(code_of(1), 2)
    records.reads.clear()

    fixed = portal_reconcile.reconcile(world.deps, NOW, repush=True).summary()

    assert (fixed["repushed"], fixed["differing"]) == (1, 0)
    # Checked, pushed again and checked again: one reading; the other, checked only: one.
    assert records.reads == {code_of(1): 1, code_of(2): 1}
    assert world.portal_holds_ours(code_of(1))
    [document] = world.portal.dossiers[code_of(1)]["TaiLieuNop"]
    assert LINKS.token(code_of(1), records.files(code_of(1))[0].file_id) in str(document)


def test_a_revision_written_during_the_repush_has_its_files_read_again(calendar):
    world, records = world_with_files(calendar, dossiers=1)
    code = code_of(1)
    world.sync_as_the_queue_does(code)
    world.lose_a_push(code, 1)
    pushes = world.portal.push

    def push_then_a_step(service, items):  # the dossier moves on while it is pushed
        pushes(service, items)
        world.portal.push = pushes
        world.act(code, 1)

    world.portal.push = push_then_a_step
    records.reads.clear()

    portal_reconcile.reconcile(world.deps, NOW, repush=True)

    assert records.reads == {code: 2}  # revision of the check, then the moved one
    assert world.portal_holds_ours(code)
