"""The officers' password hashes: argon2id at the cost the settings give.

The suite itself hashes at the least cost (tests/conftest.py); these tests check the production
defaults, each setting, and that a change of cost keeps the stored hashes valid."""

import pytest
from argon2.profiles import RFC_9106_LOW_MEMORY

from disclosure import settings as s
from disclosure.accounts import services
from disclosure.accounts.services import (
    configure_passwords,
    hash_password,
    hasher_parameters,
    verify_password,
)

from ..conftest import TEST_PASSWORD_COST


def cost(**values):
    return {f"disclosure.password.{k}": str(v) for k, v in values.items()}


@pytest.fixture(autouse=True)
def _restore_the_suite_cost():
    yield
    configure_passwords(cost(**TEST_PASSWORD_COST))


def test_the_default_cost_is_rfc_9106_low_memory():
    assert hasher_parameters({}) == {
        "time_cost": RFC_9106_LOW_MEMORY.time_cost,
        "memory_cost": RFC_9106_LOW_MEMORY.memory_cost,
        "parallelism": RFC_9106_LOW_MEMORY.parallelism,
    }
    assert hasher_parameters({}) == {"time_cost": 3, "memory_cost": 65536, "parallelism": 4}


def test_new_hashes_take_the_configured_cost_and_verify():
    configure_passwords(cost(time_cost=2, memory_cost=2048, parallelism=1))
    hashed = hash_password("long-password-1")
    assert hashed.startswith("$argon2id$v=19$m=2048,t=2,p=1$")
    assert verify_password(hashed, "long-password-1")
    assert not verify_password(hashed, "long-password-2")


def test_a_hash_keeps_its_own_cost_after_the_setting_changes():
    configure_passwords(cost(time_cost=2, memory_cost=2048, parallelism=1))
    old = hash_password("long-password-1")
    configure_passwords(cost(time_cost=1, memory_cost=1024, parallelism=1))
    assert verify_password(old, "long-password-1")
    assert services._hasher.check_needs_rehash(old)  # a login rehashes it at the new cost
    assert hash_password("long-password-1").startswith("$argon2id$v=19$m=1024,t=1,p=1$")


def test_the_settings_come_from_the_environment_too():
    resolved = s.resolve(
        {"disclosure.database_url": "sqlite://", "disclosure.session_secret": "x"},
        environ={"DISCLOSURE_PASSWORD_TIME_COST": "4", "DISCLOSURE_PASSWORD_MEMORY_COST": "4096"},
    )
    assert hasher_parameters(resolved) == {"time_cost": 4, "memory_cost": 4096, "parallelism": 4}


@pytest.mark.parametrize(
    "values, named",
    [
        ({"time_cost": "three"}, "disclosure.password.time_cost"),
        ({"memory_cost": "64MiB"}, "disclosure.password.memory_cost"),
        ({"parallelism": ""}, "disclosure.password.parallelism"),
        ({"time_cost": "0"}, "disclosure.password.time_cost"),
        ({"parallelism": "0"}, "parallelism"),
        ({"memory_cost": "16", "parallelism": "4"}, "disclosure.password.memory_cost"),
    ],
)
def test_a_bad_cost_stops_the_start_with_the_setting_named(values, named):
    configure_passwords(cost(time_cost=2, memory_cost=2048, parallelism=1))
    with pytest.raises(s.SettingsError, match=named):
        configure_passwords(cost(**values))
    # the hasher in use is unchanged
    assert hash_password("long-password-1").startswith("$argon2id$v=19$m=2048,t=2,p=1$")
