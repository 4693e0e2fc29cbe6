using AutoLoRa.Formats;
using AutoLoRa.Formats.PyTorch;

namespace AutoLoRa.Formats.Tests.PyTorch;

/// <summary>Checkpoints written by real PyTorch 1.13 read back byte-exactly, in both layouts.</summary>
public sealed class FixtureReadTests
{
    [Theory]
    [InlineData("views_zip")]
    [InlineData("views_legacy")]
    [InlineData("views_proto4")]
    [InlineData("resnet_tiny_zip")]
    [InlineData("resnet_tiny_legacy")]
    [InlineData("rmt_style_zip")]
    [InlineData("rmt_style_legacy")]
    [InlineData("robustssl_style_zip")]
    [InlineData("many_memo_zip")]
    public void Tensors_match_pytorch_bytes(string name) => Fixture.AssertMatchesPyTorch(name);

    [Theory]
    [InlineData("views_zip", TorchCheckpointFormat.Zip)]
    [InlineData("views_legacy", TorchCheckpointFormat.Legacy)]
    public void Format_is_sniffed_from_content(string name, TorchCheckpointFormat format)
    {
        using var checkpoint = TorchCheckpoint.Load(Fixture.Path(name));
        Assert.Equal(format, checkpoint.Format);
    }

    [Theory]
    [InlineData("views_zip")]
    [InlineData("views_legacy")]
    public void Views_share_one_storage_and_keep_offsets_and_strides(string name)
    {
        using var checkpoint = TorchCheckpoint.Load(Fixture.Path(name));
        var t = checkpoint.Tensors().ToDictionary(p => p.Key, p => p.Value);
        Assert.Same(t["base"].Storage, t["transposed"].Storage);
        Assert.Same(t["base"].Storage, t["row_slice"].Storage);
        Assert.Equal([1L, 4L], t["transposed"].Stride);
        Assert.False(t["transposed"].IsContiguous);
        Assert.Equal(4, t["row_slice"].StorageOffset);
        Assert.Equal(1, t["col_slice"].StorageOffset);
        Assert.Empty(t["scalar"].Shape);
        Assert.Equal([7L], t["num_batches_tracked"].ToEntry("n").AsInt64());
        Assert.Equal(SafeTensorDType.I64, t["num_batches_tracked"].DType);
        Assert.Equal([-0.75f, -0.25f, 0.25f, 0.75f, 1.25f, 1.75f], t["col_slice"].ToEntry("c").AsFloat32());
    }

    [Fact]
    public void State_dict_is_an_ordered_dict_with_metadata()
    {
        using var checkpoint = TorchCheckpoint.Load(Fixture.Path("resnet_tiny_zip"));
        var root = Assert.IsType<PyDict>(checkpoint.Root);
        Assert.True(root.IsOrdered);
        Assert.Equal("conv1.weight", root.Items[0].Key);
        // BUILD attached {'_metadata': OrderedDict(...)}.
        var state = Assert.IsType<PyDict>(root.State);
        Assert.True(state.TryGetValue("_metadata", out _));
    }

    [Fact]
    public void Memo_beyond_255_resolves_to_the_same_tensor()
    {
        using var checkpoint = TorchCheckpoint.Load(Fixture.Path("many_memo_zip"));
        var t = checkpoint.Tensors().ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal(301, t.Count);
        Assert.Same(t["t299"], t["alias"]);
        Assert.Equal(2 * 299, t["t299"].StorageOffset);
    }

    [Fact]
    public void Attacker_copy_shares_storages_with_the_model()
    {
        using var checkpoint = TorchCheckpoint.Load(Fixture.Path("rmt_style_zip"));
        var t = checkpoint.Tensors().ToDictionary(p => p.Key, p => p.Value);
        Assert.Same(t["model.module.model.conv1.weight"].Storage, t["model.module.attacker.model.conv1.weight"].Storage);
        var root = Assert.IsType<PyDict>(checkpoint.Root);
        Assert.True(root.TryGetValue("epoch", out var epoch));
        Assert.Equal(90L, epoch);
        Assert.True(root.TryGetValue("nat_prec1", out var prec));
        Assert.Equal(52.49, prec);
    }
}
