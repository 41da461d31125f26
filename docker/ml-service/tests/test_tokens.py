"""API tokens (mlservice/tokens.py): who may write, what the refusals say, and how long an answer is remembered."""
import unittest

from mlservice import tokens

TOKEN = "mlst_" + "a" * 43


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


class TokenCheckTest(unittest.TestCase):
    def setUp(self):
        self.clock = Clock()
        self.table = {}
        self.queries = 0

        def lookup(digest):
            self.queries += 1
            return self.table.get(digest)

        self.check = tokens.TokenCheck("dev-env-token", lookup, clock=self.clock)

    def test_no_header_or_another_scheme_is_401_saying_how_to_make_a_token(self):
        for header in (None, "", "Basic dXNlcjpwdw==", "Bearer ", "Bearer"):
            verdict = self.check.check(header)
            self.assertEqual(401, verdict.status, header)
            self.assertIn("./build.sh ApiToken --name NAME --create", verdict.detail)
        self.assertEqual(0, self.queries)

    def test_the_env_files_token_is_allowed_as_env_without_a_query(self):
        verdict = self.check.check("Bearer dev-env-token")
        self.assertEqual((200, "env"), (verdict.status, verdict.name))
        self.assertEqual(0, self.queries)

    def test_no_env_token_set_means_an_empty_bearer_matches_nothing(self):
        check = tokens.TokenCheck("", lambda digest: None)
        self.assertEqual(401, check.check("Bearer ").status)
        self.assertEqual(403, check.check("Bearer x").status)

    def test_a_stored_token_is_found_by_its_sha256_and_named(self):
        self.table[tokens.hash_token(TOKEN)] = ("ci", False)
        verdict = self.check.check(f"bearer {TOKEN}")
        self.assertEqual((200, "ci"), (verdict.status, verdict.name))
        self.assertEqual(64, len(tokens.hash_token(TOKEN)))

    def test_unknown_and_revoked_tokens_are_403_and_say_so(self):
        self.table[tokens.hash_token(TOKEN)] = ("ci", True)
        revoked = self.check.check(f"Bearer {TOKEN}")
        unknown = self.check.check("Bearer made-up")
        self.assertEqual((403, 403), (revoked.status, unknown.status))
        self.assertIn("API token ci was revoked", revoked.detail)
        self.assertIn("not known here", unknown.detail)
        self.assertIn("--create", unknown.detail)

    def test_an_answer_is_remembered_for_the_cache_window_then_asked_again(self):
        self.table[tokens.hash_token(TOKEN)] = ("ci", False)
        for _ in range(50):
            self.assertTrue(self.check.check(f"Bearer {TOKEN}").allowed)
        self.assertEqual(1, self.queries)
        self.table[tokens.hash_token(TOKEN)] = ("ci", True)  # revoked meanwhile
        self.clock.now += tokens.CACHE_SECONDS - 0.1
        self.assertTrue(self.check.check(f"Bearer {TOKEN}").allowed)
        self.clock.now += 0.2
        self.assertEqual(403, self.check.check(f"Bearer {TOKEN}").status)
        self.assertEqual(2, self.queries)

    def test_cached_answers_without_the_database_only_when_it_can(self):
        self.assertEqual(401, self.check.cached(None).status)
        self.assertIsNone(self.check.cached(f"Bearer {TOKEN}"))
        self.check.check(f"Bearer {TOKEN}")
        self.assertEqual(403, self.check.cached(f"Bearer {TOKEN}").status)

    def test_a_flood_of_made_up_tokens_does_not_grow_the_cache_without_bound(self):
        check = tokens.TokenCheck("", lambda digest: None, clock=self.clock, max_entries=10)
        for i in range(25):
            check.check(f"Bearer guess-{i}")
        self.assertLessEqual(len(check._answers), 10)


if __name__ == "__main__":
    unittest.main()
