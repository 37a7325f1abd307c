"""A full disk under a running mailin (issue #10: keep what holds today under
test). The store lives on a small tmpfs; replies are delivered over LMTP
until the disk is full. Every 250 must be in the outbox, every refusal must
be temporary (4xx, so the MTA retries), mailin must stay up, and once there
is room again the refused replies go in, each exactly once.

Needs root (mount); the tests run as root here and in CI."""
import os
import shutil
import subprocess
import unittest

from mailserver import ALICE, GENERAL, LMTP, MailGate, make_message


class DiskFull(unittest.TestCase):
    def setUp(self):
        self.g = MailGate(self)
        self.mnt = os.path.join(self.g.dir, "small")
        os.mkdir(self.mnt)
        size = os.path.getsize(self.g.store) + 512 * 1024
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs",
                        self.mnt], check=True)
        self.addCleanup(subprocess.run, ["umount", "-l", self.mnt])
        store = os.path.join(self.mnt, "store.db")
        shutil.copy2(self.g.store, store)
        self.g.store = store
        self.g.overrides[self.g.overrides.index(f"gateway.store={self.g.dir}/store.db")] = \
            f"gateway.store={store}"

    def deliver(self, c, items):
        """Sends each (mid, message); returns {mid: reply code}, {mid: text}."""
        codes, texts = {}, {}
        self.assertEqual(c.cmd("LHLO client.example")[0], 250)
        for mid, msg in items:
            _, rr, data = c.transaction(ALICE, [GENERAL], msg)
            codes[mid], lines = data[0] if data else rr[0]
            texts[mid] = " ".join(lines)
        return codes, texts

    def test_full_disk_answers_4xx_and_loses_nothing(self):
        m = self.g.mailin()
        text = "A long reply that fills the disk quickly. " * 400 + "\n"
        items = [(f"<full-{i}@mail.example.org>",
                  make_message(f"Reply {i}.\n" + text, message_id=f"<full-{i}@mail.example.org>"))
                 for i in range(200)]
        with LMTP(m.port) as c:
            codes, texts = self.deliver(c, items)
        accepted = {mid for mid, code in codes.items() if code == 250}
        refused = {mid for mid, code in codes.items() if code != 250}
        self.assertTrue(refused, "the disk never filled up")
        self.assertTrue(accepted, f"nothing was accepted before the disk filled up: {texts}")
        self.assertEqual({codes[mid] // 100 for mid in refused}, {4},
                         "a full disk must answer 4xx (try again), never 5xx")
        self.assertIsNone(m.proc.poll(), "mailin died on a full disk")
        for mid in refused:
            self.assertIn("4.3.0", texts[mid])

        stored = [r[0] for r in self.g.query("SELECT message_id FROM outbox")]
        self.assertEqual(len(stored), len(set(stored)))
        self.assertEqual(accepted - set(stored), set(), "acknowledged replies were lost")
        self.assertEqual(refused & set(stored), set(), "refused replies were stored")

        # room again: the MTA's retries of the refused ones go in, and a
        # retry of an accepted one is not stored twice
        subprocess.run(["mount", "-o", "remount,size=64m", self.mnt], check=True)
        by_id = dict(items)
        again = [(mid, by_id[mid]) for mid in sorted(refused)]
        again += [(mid, by_id[mid]) for mid in sorted(accepted)[:5]]
        with LMTP(m.port) as c:
            codes2, _ = self.deliver(c, again)
        self.assertEqual(set(codes2.values()), {250})
        rows = self.g.query("SELECT message_id, COUNT(*) FROM outbox GROUP BY message_id")
        self.assertEqual({mid for mid, _ in rows}, set(by_id))
        self.assertEqual({n for _, n in rows}, {1})


if __name__ == "__main__":
    unittest.main()
