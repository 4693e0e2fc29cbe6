using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/AutoLoRa.Bench -- --filter '*Gemm*'
BenchmarkSwitcher.FromAssembly(typeof(AutoLoRa.Bench.GemmBenchmarks).Assembly).Run(args);
