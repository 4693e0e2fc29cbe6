using System.Reflection;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace AutoLoRa.Core.Tests.Support;

/// <summary>
/// Put on a conformance subclass whose backend may be absent on this machine (native CUDA without
/// a GPU). <see cref="SkipReason"/> is asked when tests are discovered, in the process that runs
/// them; a non-null answer makes every [BackendFact]/[BackendTheory] of the class a skipped test
/// that shows the reason — never a pass. (xunit 2 has no run-time skip, hence discovery time.)
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public abstract class BackendAvailabilityAttribute : Attribute
{
    /// <summary>Null when the backend can run here, else why not.</summary>
    public abstract string? SkipReason { get; }

    internal static string? ReasonFor(ITestMethod method)
    {
        var type = (method.TestClass.Class as IReflectionTypeInfo)?.Type;
        return type?.GetCustomAttributes<BackendAvailabilityAttribute>(inherit: true).Select(a => a.SkipReason).FirstOrDefault(r => r is not null);
    }
}

/// <summary>A [Fact] of the conformance suite: skipped with a reason when the class's backend is absent.</summary>
[XunitTestCaseDiscoverer("AutoLoRa.Core.Tests.Support.BackendFactDiscoverer", "AutoLoRa.Core.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class BackendFactAttribute : FactAttribute;

/// <summary>A [Theory] of the conformance suite: skipped with a reason when the class's backend is absent.</summary>
[XunitTestCaseDiscoverer("AutoLoRa.Core.Tests.Support.BackendTheoryDiscoverer", "AutoLoRa.Core.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class BackendTheoryAttribute : TheoryAttribute;

public sealed class BackendFactDiscoverer(IMessageSink sink) : IXunitTestCaseDiscoverer
{
    private readonly FactDiscoverer _inner = new(sink);

    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions options, ITestMethod method, IAttributeInfo attribute) =>
        BackendAvailabilityAttribute.ReasonFor(method) is { } reason
            ? [new XunitSkippedDataRowTestCase(sink, options.MethodDisplayOrDefault(), options.MethodDisplayOptionsOrDefault(), method, reason)]
            : _inner.Discover(options, method, attribute);
}

public sealed class BackendTheoryDiscoverer(IMessageSink sink) : IXunitTestCaseDiscoverer
{
    private readonly TheoryDiscoverer _inner = new(sink);

    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions options, ITestMethod method, IAttributeInfo attribute) =>
        BackendAvailabilityAttribute.ReasonFor(method) is { } reason
            ? [new XunitSkippedDataRowTestCase(sink, options.MethodDisplayOrDefault(), options.MethodDisplayOptionsOrDefault(), method, reason)]
            : _inner.Discover(options, method, attribute);
}
