"""What resolved a failure, read from the commands around it: the command a wrapper or a remote
shell ran (`sudo`, `ssh host`), by program and subcommand whatever options come first, under
any tool that runs command lines; the change that ended the failure, not the look around it;
and a fix that ended one error even when the command then failed another way."""

from __future__ import annotations

from dreamer.dream import dream
from dreamer.extractors.failures import command_head
from memory_graph.store.session_log import SessionLog
from tests.support.inbox import inbox_json
from tests.support.sessions import command_session


def test_the_command_is_what_a_wrapper_or_a_remote_shell_runs() -> None:
    cases = {
        "sudo -u deploy borg -v create ::nightly /home": "borg create",
        "ssh -p 2222 nas.lan 'zpool scrub tank'": "zpool scrub",
        "env CI=1 GOFLAGS=-mod=mod go vet ./...": "go vet",
        "cd web && nice -n 10 yarn --cwd app build": "yarn build",
        "git -C ~/dotfiles pull": "git pull",
        "borg --lock-wait 5 --repo /mnt/b list": "borg list",
        "sudo -i": "sudo",
    }
    for command, head in cases.items():
        assert command_head("exec", {"command": command}) == head, command
    assert command_head("exec", {"path": "/etc/hosts"}) == "exec"


DENIED = (
    "make: *** [Makefile:31: flash] Error 1\n"
    'avrdude: ser_open(): can\'t open device "/dev/ttyACM0": Permission denied'
)


async def test_the_fix_is_the_change_before_the_retry_not_the_looks_around_it(
    log: SessionLog,
) -> None:
    port = DENIED.replace("ttyACM0", "ttyUSB1")
    await command_session(
        log,
        "flash the thermostat firmware",
        [
            ("ssh bench-pi 'make -C firmware flash'", DENIED, 2),
            ("ls -l /dev/ttyACM0", "crw-rw---- 1 root dialout 166, 0 Mar 3 /dev/ttyACM0", 0),
            ("sudo usermod -aG dialout mira", "", 0),
            ("id mira", "uid=1000(mira) gid=1000(mira) groups=1000(mira),20(dialout)", 0),
            ("ssh bench-pi 'make -C firmware flash'", "avrdude done.  Thank you.", 0),
        ],
        tool="shell",
        labelled=False,
    )
    await command_session(
        log,
        "can you reflash the board with the new PID constants",
        [
            ("sudo make -C fw flash", port, 2),
            ("groups", "mira sudo", 0),
            ("usermod -aG dialout mira", "", 0),
            ("sudo make -C fw flash", "avrdude done.  Thank you.", 0),
        ],
        tool="shell",
        labelled=False,
    )
    summary = await dream(log)
    assert summary.proposals
    (proposal,) = [p for p in await inbox_json(log) if p["kind"] == "failure"]
    assert proposal["support"] == 2
    assert "`make flash` fails with" in proposal["statement"]
    assert "`usermod -aG dialout mira` fixed it" in proposal["statement"]


async def test_a_fix_counts_when_the_command_then_fails_another_way(log: SessionLog) -> None:
    tidy = "go: updates to go.mod needed; to update it:\n\tgo mod tidy"
    for package, test in (("./...", "TestParse"), ("./internal/feed", "TestRetry")):
        await command_session(
            log,
            f"why does {package} not build on a fresh checkout",
            [
                (f"go test {package}", tidy, 1),
                ("go mod tidy", "go: downloading golang.org/x/sync v0.7.0", 0),
                (f"go test {package}", f"--- FAIL: {test} (0.00s)\n    got 3, want 4\nFAIL", 1),
                ("git apply fix.patch", "", 0),
                (f"go test {package}", "ok", 0),
            ],
        )
    # The same error stops another subcommand of the same program: one failure.
    await command_session(
        log,
        "build the server binary",
        [
            ("go build ./cmd/server", tidy, 1),
            ("go mod tidy", "", 0),
            ("go build ./cmd/server", "", 0),
        ],
    )
    await dream(log)
    tidied = [p for p in await inbox_json(log) if "go.mod" in str(p["statement"])]
    assert len(tidied) == 1
    assert tidied[0]["support"] == 3
    assert "`go mod tidy` fixed it" in tidied[0]["statement"]


LOCKED = "Error: Error acquiring the state lock: ConditionalCheckFailedException: "
UNLOCK = ("terraform force-unlock -force 6f1c2a", "Terraform state has been unlocked!", 0)
APPLIED = ("terraform apply -auto-approve", "Apply complete! Resources: 1 added.", 0)


async def test_one_failure_worded_a_little_otherwise_is_one_pattern(log: SessionLog) -> None:
    # A newer version of the tool words the same error a little otherwise.
    for number, wording in enumerate(
        ("The conditional request failed", "The conditional request has failed")
    ):
        await command_session(
            log,
            f"apply the staging change #{number}",
            [("terraform apply -auto-approve", LOCKED + wording, 1), UNLOCK, APPLIED],
        )
    await dream(log)
    # A later dream: the third occurrence joins the pattern the first two made.
    await command_session(
        log,
        "roll out the DNS record",
        [("terraform apply", LOCKED + "the conditional request has failed", 1), UNLOCK, APPLIED],
    )
    # Another cause behind the same opening is another failure.
    denied = "AccessDeniedException: User is not authorized to perform dynamodb:PutItem"
    for _ in range(2):
        await command_session(
            log,
            "apply the prod change",
            [("terraform apply", "Error: Error acquiring the state lock: " + denied, 1)],
        )
    await dream(log)
    locked = [p for p in await inbox_json(log) if "state lock" in str(p["statement"])]
    assert len(locked) == 2
    [unlocked] = [p for p in locked if "force-unlock" in str(p["statement"])]
    assert unlocked["support"] == 3
    assert "ConditionalCheckFailedException: …" in str(unlocked["statement"])
    [other] = [p for p in locked if p is not unlocked]
    assert "AccessDenied" in str(other["statement"]) and other["support"] == 2


async def test_the_same_command_run_again_otherwise_is_the_fix(log: SessionLog) -> None:
    behind = (
        "To codeberg.org:ines/herbarium.git\n ! [rejected]        trunk -> trunk (non-fast-forward)"
        "\nerror: failed to push some refs to 'codeberg.org:ines/herbarium.git'"
    )
    for branch in ("trunk", "release"):
        await command_session(
            log,
            f"publish {branch}",
            [
                (f"hg-git-sync && git push origin {branch} 2>&1", behind, 1),
                ("git status --short", "", 0),
                (f"git push --force-with-lease origin {branch} 2>&1 | tail -2", "ok", 0),
            ],
        )
    await dream(log)
    [proposal] = [p for p in await inbox_json(log) if p["kind"] == "failure"]
    assert "`git push --force-with-lease origin …` fixed it" in proposal["statement"]
