namespace Mlstack.Build.GitHubActions;

/// <summary>One entry under <c>on:</c>.</summary>
internal static class TriggerWriter
{
    public static void Write(YamlWriter yaml, Trigger trigger)
    {
        switch (trigger)
        {
            case PushTrigger push:
                using (yaml.Mapping("push"))
                {
                    List("branches", push.Branches);
                    List("tags", push.Tags);
                }

                break;
            case PullRequestTrigger pullRequest:
                using (yaml.Mapping("pull_request"))
                    List("branches", pullRequest.Branches);
                break;
            case DispatchTrigger { Inputs.Count: 0 }:
                yaml.Key("workflow_dispatch");
                break;
            case DispatchTrigger dispatch:
                using (yaml.Mapping("workflow_dispatch"))
                using (yaml.Mapping("inputs"))
                {
                    foreach (var input in dispatch.Inputs)
                    {
                        using (yaml.Mapping(input.Name))
                        {
                            yaml.Scalar("description", input.Description);
                            yaml.Scalar("required", input.Required);
                            yaml.Scalar("type", "string");
                        }
                    }
                }

                break;
            case ScheduleTrigger schedule:
                using (yaml.Mapping("schedule"))
                using (yaml.MappingItem())
                    yaml.Scalar("cron", schedule.Cron);
                break;
        }

        void List(string key, IReadOnlyList<string> values)
        {
            if (values.Count == 0)
                return;
            using (yaml.Mapping(key))
            {
                foreach (var value in values)
                    yaml.Item(value);
            }
        }
    }
}
