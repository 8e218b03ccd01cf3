"""The team library's commands: ``sagasu serve``, ``sagasu users``, ``sagasu roots``.

    sagasu serve [--data-dir DIR] [--store URL] [--host H] [--port N] [--tls-cert C --tls-key K]
    sagasu users add NAME --groups a,b | list | remove NAME | groups NAME a,b
    sagasu roots grant ROOT --groups a | revoke ROOT --groups a | list

Users and grants live in the library's catalog (its SQLite file, or PostgreSQL with --store)."""

from __future__ import annotations

import argparse
import ipaddress
import socket
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.cli.common import EXIT_OK, EXIT_USAGE, CliError, open_library, print_json

if TYPE_CHECKING:
    from engine.library import Library
    from engine.team.view import TeamAccess


def add_team_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    store = common  # --store: the library's catalog, users and grants included

    p = sub.add_parser("serve", parents=[store], help="HTTP API for a team (FastAPI on uvicorn)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    p.add_argument("--port", type=int, default=8470)
    p.add_argument("--tls-cert", type=Path, help="certificate (PEM) for HTTPS")
    p.add_argument("--tls-key", type=Path, help="its private key (PEM)")
    p.add_argument(
        "--search-slots",
        type=int,
        default=0,
        help="searches answered at once, the rest queue (default: one per two cores)",
    )
    p.set_defaults(run=cmd_serve)

    users = sub.add_parser("users", help="who may use the team server, with tokens")
    usub = users.add_subparsers(metavar="ACTION")
    u = usub.add_parser("add", parents=[store], help="add a user; prints the token once")
    u.add_argument("name")
    u.add_argument("--groups", required=True, help="comma-separated groups, e.g. design,qa")
    u.set_defaults(run=cmd_users_add)
    u = usub.add_parser("list", parents=[store], help="users and their groups")
    u.add_argument("--json", action="store_true")
    u.set_defaults(run=cmd_users_list)
    u = usub.add_parser("remove", parents=[store], help="remove a user (the token stops working)")
    u.add_argument("name")
    u.set_defaults(run=cmd_users_remove)
    u = usub.add_parser("groups", parents=[store], help="replace a user's groups")
    u.add_argument("name")
    u.add_argument("groups", help="comma-separated groups")
    u.set_defaults(run=cmd_users_groups)

    roots = sub.add_parser("roots", help="which groups may read each indexed folder")
    rsub = roots.add_subparsers(metavar="ACTION")
    for action, run, words in (
        ("grant", cmd_roots_grant, "let groups read an indexed folder"),
        ("revoke", cmd_roots_revoke, "stop groups reading an indexed folder"),
    ):
        r = rsub.add_parser(action, parents=[store], help=words)
        r.add_argument("root", type=Path)
        r.add_argument("--groups", required=True, help="comma-separated groups")
        r.set_defaults(run=run)
    r = rsub.add_parser("list", parents=[store], help="indexed folders and their groups")
    r.add_argument("--json", action="store_true")
    r.set_defaults(run=cmd_roots_list)


def cmd_serve(args: argparse.Namespace) -> int:
    from engine.team.server import ServeOptions, serve

    if bool(args.tls_cert) != bool(args.tls_key):
        raise CliError("give both --tls-cert and --tls-key, or neither", EXIT_USAGE)
    for path in (args.tls_cert, args.tls_key):
        if path is not None and not path.is_file():
            raise CliError(f"{path} does not exist or is not a file", EXIT_USAGE)
    if args.search_slots < 0:
        raise CliError("--search-slots must be 0 (automatic) or more", EXIT_USAGE)
    if not 0 < args.port < 65536:
        raise CliError("--port must be between 1 and 65535", EXIT_USAGE)
    _check_listen(args.host, args.port)
    if args.tls_cert is None and not _loopback(args.host):
        print(
            f"sagasu: warning: serving {args.host} without TLS: tokens cross the network in "
            "the clear; give --tls-cert/--tls-key or put a TLS proxy in front",
            file=sys.stderr,
        )
    options = ServeOptions(
        args.data_dir,
        args.store,
        args.host,
        args.port,
        args.tls_cert,
        args.tls_key,
        search_slots=args.search_slots,
    )
    serve(options)
    return EXIT_OK


def _check_listen(host: str, port: int) -> None:
    """One line before any model loads when the address is taken or not this machine's
    (uvicorn would say it in a log line after the models had loaded)."""
    try:
        for family, kind, proto, _, address in socket.getaddrinfo(
            host, port, 0, socket.SOCK_STREAM
        ):
            with socket.socket(family, kind, proto) as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                probe.bind(address)
    except OSError as exc:
        raise CliError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def cmd_users_add(args: argparse.Namespace) -> int:
    from engine.team.directory import check_name, parse_groups

    name, groups = check_name(args.name), parse_groups(args.groups)
    with _Team(args) as (_, team):
        token = team.directory.add_user(name, groups)
    print(f"User {name} added to {', '.join(sorted(groups)) or 'no group'}. Their token:")
    print(token)
    print("It is shown only this once; only its hash is kept.", file=sys.stderr)
    return EXIT_OK


def cmd_users_list(args: argparse.Namespace) -> int:
    with _Team(args) as (_, team):
        users = team.directory.users()
    if args.json:
        print_json(
            [
                {"name": u.name, "groups": sorted(u.groups), "created_at": u.created_at}
                for u in users
            ]
        )
        return EXIT_OK
    for u in users:
        when = time.strftime("%Y-%m-%d", time.localtime(u.created_at))
        print(f"{u.name}  groups: {', '.join(sorted(u.groups)) or '-'}  (added {when})")
    return EXIT_OK


def cmd_users_remove(args: argparse.Namespace) -> int:
    with _Team(args) as (_, team):
        if not team.directory.remove_user(args.name):
            raise CliError(f"no user {args.name!r}: sagasu users list shows them")
    print(f"User {args.name} removed; their token no longer works.")
    return EXIT_OK


def cmd_users_groups(args: argparse.Namespace) -> int:
    from engine.team.directory import parse_groups

    groups = parse_groups(args.groups)
    with _Team(args) as (_, team):
        team.directory.set_groups(args.name, groups)
    print(f"User {args.name} is now in {', '.join(sorted(groups)) or 'no group'}.")
    return EXIT_OK


def cmd_roots_grant(args: argparse.Namespace) -> int:
    return _change_grant(args, grant=True)


def cmd_roots_revoke(args: argparse.Namespace) -> int:
    return _change_grant(args, grant=False)


def _change_grant(args: argparse.Namespace, grant: bool) -> int:
    from engine.crawl import folder_root
    from engine.team.directory import parse_groups

    groups = parse_groups(args.groups)
    root = folder_root(args.root)
    with _Team(args) as (library, team):
        known = sorted({f.path for f in library.settings.folders} | set(team.indexed_roots()))
        if grant and root not in known:
            listed = ", ".join(known) or "none yet"
            raise CliError(f"{root} is not one of the library's folders ({listed})")
        change = team.directory.grant if grant else team.directory.revoke
        change(root, groups)
    verb = "may now read" if grant else "no longer read"
    print(f"{', '.join(sorted(groups))} {verb} {root}")
    return EXIT_OK


def cmd_roots_list(args: argparse.Namespace) -> int:
    with _Team(args) as (library, team):
        grants = team.directory.grants()
        roots = sorted({f.path for f in library.settings.folders} | set(team.indexed_roots()))
    rows = {root: sorted(grants.get(root, ())) for root in sorted(set(roots) | set(grants))}
    if args.json:
        print_json(rows)
        return EXIT_OK
    for root, groups in rows.items():
        print(f"{root}  groups: {', '.join(groups) or '- (nobody on the server)'}")
    return EXIT_OK


class _Team:
    """The library and its team view, both closed on the way out."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.library: Library = open_library(args)
        try:
            self.team: TeamAccess = self.library.team()
        except BaseException:
            self.library.close()
            raise

    def __enter__(self) -> tuple[Library, TeamAccess]:
        return self.library, self.team

    def __exit__(self, *_: object) -> None:
        try:
            self.team.close()
        finally:
            self.library.close()
