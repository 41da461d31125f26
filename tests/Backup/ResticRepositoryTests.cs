using Mlstack.Build.Backup;
using Mlstack.Build.Core;
using Mlstack.Build.Host;

namespace Mlstack.Tests.Backup;

/// <summary>--backup-repository: a folder, or a restic location we have proven (sftp:, s3: over HTTPS); any other is
/// refused in one line before anything runs.</summary>
public sealed class ResticRepositoryTests
{
    [Theory]
    [InlineData("/srv/backups", false)]
    [InlineData("backups/here", false)]
    [InlineData("C:/backups", false)]
    [InlineData("sftp:backup@vault:/srv/restic", true)]
    [InlineData("s3:https://minio.internal:9000/backups/mlstack", true)]
    [InlineData("s3:s3.amazonaws.com/bucket/mlstack", true)]
    public void A_folder_or_a_proven_location(string value, bool location)
    {
        Assert.Equal(location, ResticRepository.IsLocation(value));
        if (location)
            Assert.True(new ResticRepository(value, "/records").IsOffsite);
    }

    [Theory]
    [InlineData("rest:https://vault/mlstack", "rest: repositories are not supported")]
    [InlineData("s3:http://minio.internal:9000/backups", "must be reached over https://")]
    public void Other_locations_are_refused_saying_what_works(string value, string reason)
    {
        var refused = Assert.Throws<BuildInputException>(() => ResticRepository.IsLocation(value));
        Assert.Contains(reason, refused.Message, StringComparison.Ordinal);
    }
}
