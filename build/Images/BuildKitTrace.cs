using System.Text;

namespace Mlstack.Build.Images;

/// <summary>One build step as BuildKit reports it.</summary>
public sealed record BuildStep(string Digest, string Name, bool Cached, bool Started, bool Completed, string? Error);

/// <summary>A line a step printed.</summary>
public sealed record BuildLogLine(string Digest, string Text);

/// <summary>Decodes the engine's <c>moby.buildkit.trace</c> messages: base64 protobuf StatusResponse
/// { repeated Vertex vertexes = 1; repeated VertexStatus statuses = 2; repeated VertexLog logs = 3; }.
/// Only the fields we show are read; a tiny wire-format reader beats a protobuf dependency for three messages.</summary>
public static class BuildKitTrace
{
    public static (List<BuildStep> Steps, List<BuildLogLine> Logs) Decode(string base64)
    {
        var steps = new List<BuildStep>();
        var logs = new List<BuildLogLine>();
        var reader = new WireReader(Convert.FromBase64String(base64));
        while (reader.Next(out var field, out var wireType))
        {
            if (field == 1 && wireType == 2)
                steps.Add(Vertex(reader.Bytes()));
            else if (field == 3 && wireType == 2)
                logs.Add(Log(reader.Bytes()));
            else
                reader.Skip(wireType);
        }

        return (steps, logs);
    }

    private static BuildStep Vertex(ReadOnlyMemory<byte> bytes)
    {
        string digest = "", name = "";
        string? error = null;
        bool cached = false, started = false, completed = false;
        var reader = new WireReader(bytes);
        while (reader.Next(out var field, out var wireType))
        {
            switch (field)
            {
                case 1 when wireType == 2: digest = reader.String(); break;
                case 3 when wireType == 2: name = reader.String(); break;
                case 4 when wireType == 0: cached = reader.Varint() != 0; break;
                case 5 when wireType == 2: started = true; reader.Bytes(); break;
                case 6 when wireType == 2: completed = true; reader.Bytes(); break;
                case 7 when wireType == 2: error = reader.String(); break;
                default: reader.Skip(wireType); break;
            }
        }

        return new BuildStep(digest, name, cached, started, completed, string.IsNullOrEmpty(error) ? null : error);
    }

    private static BuildLogLine Log(ReadOnlyMemory<byte> bytes)
    {
        string digest = "", text = "";
        var reader = new WireReader(bytes);
        while (reader.Next(out var field, out var wireType))
        {
            switch (field)
            {
                case 1 when wireType == 2: digest = reader.String(); break;
                case 4 when wireType == 2: text = Encoding.UTF8.GetString(reader.Bytes().Span); break;
                default: reader.Skip(wireType); break;
            }
        }

        return new BuildLogLine(digest, text);
    }

    private sealed class WireReader(ReadOnlyMemory<byte> data)
    {
        private int _position;

        public bool Next(out int field, out int wireType)
        {
            field = wireType = 0;
            if (_position >= data.Length)
                return false;
            var key = Varint();
            field = (int)(key >> 3);
            wireType = (int)(key & 7);
            return true;
        }

        public ulong Varint()
        {
            ulong value = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                var b = data.Span[_position++];
                value |= (ulong)(b & 0x7f) << shift;
                if (b < 0x80)
                    break;
            }

            return value;
        }

        public ReadOnlyMemory<byte> Bytes()
        {
            var length = (int)Varint();
            var slice = data.Slice(_position, length);
            _position += length;
            return slice;
        }

        public string String() => Encoding.UTF8.GetString(Bytes().Span);

        public void Skip(int wireType)
        {
            switch (wireType)
            {
                case 0: Varint(); break;
                case 1: _position += 8; break;
                case 2: Bytes(); break;
                case 5: _position += 4; break;
                default: throw new InvalidDataException($"Unknown protobuf wire type {wireType} in a BuildKit trace.");
            }
        }
    }
}
