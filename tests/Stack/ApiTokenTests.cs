using Mlstack.Build.Core;
using Mlstack.Build.Stack;

namespace Mlstack.Tests.Stack;

/// <summary>ApiToken's parts that need no stack: what --name/--create/--revoke mean, the token and its hash as
/// ml-service checks them, and the listing read from psql and printed.</summary>
public sealed class ApiTokenTests
{
    [Theory]
    [InlineData(null, false, false, ApiTokenAction.List)]
    [InlineData("ci", false, false, ApiTokenAction.List)]
    [InlineData("ci", true, false, ApiTokenAction.Create)]
    [InlineData("release-bot.2", false, true, ApiTokenAction.Revoke)]
    public void The_flags_pick_one_action(string? name, bool create, bool revoke, ApiTokenAction action)
    {
        Assert.Equal(new ApiTokenRequest(action, name), ApiTokenRequest.From(name, create, revoke));
    }

    [Theory]
    [InlineData("ci", true, true, "ApiToken: --create and --revoke together; give one of them (or neither, to list the tokens).")]
    [InlineData(null, true, false, "ApiToken --create needs --name NAME (e.g. ./build.sh ApiToken --name ci --create).")]
    [InlineData(null, false, true, "ApiToken --revoke needs --name NAME (e.g. ./build.sh ApiToken --name ci --revoke).")]
    [InlineData("ci bot", true, false, "ApiToken --name ci bot: use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit.")]
    [InlineData("-x", false, false, "ApiToken --name -x: use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit.")]
    [InlineData("env", true, false, "ApiToken --name env: that name is the env file's API_TOKEN's; choose another name.")]
    public void Flags_that_do_not_fit_are_refused_in_one_line_saying_what_to_give(string? name, bool create, bool revoke, string message)
    {
        var error = Assert.Throws<BuildInputException>(() => ApiTokenRequest.From(name, create, revoke));
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void A_name_is_at_most_64_characters()
    {
        Assert.True(ApiTokens.IsValidName(new string('a', 64)));
        Assert.False(ApiTokens.IsValidName(new string('a', 65)));
    }

    [Fact]
    public void A_token_is_256_random_bits_url_safe_and_marked()
    {
        var tokens = Enumerable.Range(0, 50).Select(_ => ApiTokens.NewToken()).ToList();
        Assert.All(tokens, t => Assert.Matches("^mlst_[A-Za-z0-9_-]{43}$", t));
        Assert.Equal(50, tokens.Distinct().Count());
    }

    [Fact]
    public void The_hash_is_the_sha256_hex_ml_service_computes()
    {
        // What mlservice/tokens.py's hash_token gives: python3 -c "import hashlib; print(hashlib.sha256(b'mlst_example').hexdigest())"
        Assert.Equal("8c8e60e73e11d2dcc4bf67b3b9137ae7ae64a02c0f3e5addd65bf5f886c2596d", ApiTokens.Hash("mlst_example"));
        Assert.Matches("^[0-9a-f]{64}$", ApiTokens.Hash(ApiTokens.NewToken()));
    }

    [Fact]
    public void The_listing_reads_psqls_rows_and_prints_a_table_naming_the_env_token()
    {
        var rows = ApiTokenListing.Parse("ci|2026-12-05 06:30||2026-12-05 06:41\nold|2026-11-01 10:00|2026-11-20 09:15|\n\n");

        Assert.Equal(
            [new ApiTokenRecord("ci", "2026-12-05 06:30", null, "2026-12-05 06:41"), new ApiTokenRecord("old", "2026-11-01 10:00", "2026-11-20 09:15", null)],
            rows);
        Assert.Equal(
            [
                "name  created (UTC)     revoked           last used",
                "ci    2026-12-05 06:30  -                 2026-12-05 06:41",
                "old   2026-11-01 10:00  2026-11-20 09:15  never",
                "Besides these, the env file's API_TOKEN is accepted as the token named 'env' (not stored).",
            ],
            ApiTokenListing.Lines(rows, "vm1"));
    }

    [Fact]
    public void No_tokens_says_how_to_make_one()
    {
        var lines = ApiTokenListing.Lines(ApiTokenListing.Parse(""), "vm1");
        Assert.Equal("No API tokens on vm1 yet; make one with ./build.sh ApiToken --name NAME --create.", lines[0]);
    }
}
