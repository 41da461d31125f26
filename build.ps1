# Bootstrap for Windows: find the .NET SDK, build the build program, run it with our arguments.
[CmdletBinding()]
Param(
    [Parameter(Position = 0, Mandatory = $false, ValueFromRemainingArguments = $true)]
    [string[]]$BuildArguments
)

Set-StrictMode -Version 2.0
$ErrorActionPreference = "Stop"
$ProgressPreference = "SilentlyContinue"

$BuildProjectFile = "$PSScriptRoot\build\_build.csproj"
$BuildDll = "$PSScriptRoot\build\bin\Debug\net10.0\_build.dll"

$env:DOTNET_CLI_TELEMETRY_OPTOUT = 1
$env:DOTNET_NOLOGO = 1
$env:DOTNET_SKIP_FIRST_TIME_EXPERIENCE = 1
$env:NUKE_TELEMETRY_OPTOUT = 1
$env:DOTNET_CLI_UI_LANGUAGE = "en"

if ($null -eq (Get-Command "dotnet" -ErrorAction SilentlyContinue)) {
    Write-Error "build.ps1: no 'dotnet' on PATH; install the .NET SDK named in global.json (https://dotnet.microsoft.com/download) and run again."
    exit 1
}

Push-Location $PSScriptRoot
try {
    & dotnet --version *> $null
    if ($LASTEXITCODE -ne 0) {
        Write-Error "build.ps1: the .NET SDK on PATH does not satisfy global.json; install it (https://dotnet.microsoft.com/download) and run again."
        exit 1
    }
}
finally { Pop-Location }

& dotnet build $BuildProjectFile -nologo -clp:NoSummary -tl:off --verbosity quiet
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
& dotnet $BuildDll @BuildArguments
exit $LASTEXITCODE
