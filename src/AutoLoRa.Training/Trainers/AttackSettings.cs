using AutoLoRa.Robust;

namespace AutoLoRa.Training.Trainers;

/// <summary>The training-time attack: L∞ radius, step size and steps (the reference uses 8/255, 2/255, 10 for 32×32 colour data).</summary>
public sealed record AttackSettings(float Epsilon = 8f / 255f, float StepSize = 2f / 255f, int Steps = 10)
{
    public PgdConfig ToPgd(PgdObjective objective, PgdStart start) => new(Epsilon, StepSize, Steps, objective, start);
}
