#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Builds, tests, benchmarks or packs AutoLoRa.Native (the same steps as README.md, for pwsh users).
.EXAMPLE
    ./build.ps1 build
    ./build.ps1 test
    ./build.ps1 bench -Filter '*Gemm*'
    ./build.ps1 pack
#>
param(
    [Parameter(Position = 0)]
    [ValidateSet('build', 'test', 'bench', 'pack')]
    [string] $Task = 'build',
    [string] $Configuration = 'Release',
    # BenchmarkDotNet filter for the bench task.
    [string] $Filter = '*'
)

$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot

function Invoke-Step([string] $Command, [string[]] $Arguments) {
    Write-Host "> $Command $($Arguments -join ' ')" -ForegroundColor Cyan
    & $Command @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$Command failed with exit code $LASTEXITCODE" }
}

switch ($Task) {
    # The kernels (kernels/*.cu) are compiled by an MSBuild target through CMake during the build.
    'build' { Invoke-Step dotnet @('build', 'AutoLoRa.Native.sln', '-c', $Configuration) }
    'test' { Invoke-Step dotnet @('test', 'AutoLoRa.Native.sln', '-c', $Configuration) }
    'bench' {
        Invoke-Step dotnet @('run', '--project', 'src/AutoLoRa.Cli', '-c', 'Release', '--', 'bench', 'gemm', '--compare-openblas')
        Invoke-Step dotnet @('run', '--project', 'bench/AutoLoRa.Bench', '-c', 'Release', '--', '--filter', $Filter)
    }
    # NuGet packages of the libraries and the autolora .NET tool (README, "Use it from C#").
    'pack' { Invoke-Step dotnet @('pack', 'AutoLoRa.Packages.slnf', '-c', $Configuration, '-o', 'artifacts/packages') }
}
