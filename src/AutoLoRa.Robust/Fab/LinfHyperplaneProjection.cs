namespace AutoLoRa.Robust;

/// <summary>
/// The smallest L∞ step from a point in the unit box onto a hyperplane, staying in the box:
/// argmin ‖δ‖∞ subject to w·(t + δ) = b and t + δ ∈ [0, 1]^d.
/// </summary>
/// <remarks>
/// With a budget ρ each coordinate can move by at most min(ρ, room_i) in the direction that helps
/// (room_i = distance to the box face on that side), so the reachable change of w·z is
/// g(ρ) = Σ |w_i| · min(ρ, room_i): piecewise linear and non-decreasing. Sorting the rooms gives its
/// breakpoints and the smallest ρ with g(ρ) = |b − w·t| in closed form. When even the whole box cannot
/// reach the hyperplane, the step goes as far as the box allows (every coordinate to its face).
/// </remarks>
public static class LinfHyperplaneProjection
{
    /// <summary>Writes the minimal step into <paramref name="delta"/>.</summary>
    public static void Project(ReadOnlySpan<float> t, ReadOnlySpan<float> w, double b, Span<float> delta)
    {
        int d = t.Length;
        double dot = 0;
        for (int i = 0; i < d; i++) dot += (double)w[i] * t[i];
        double r = b - dot;
        delta.Clear();
        if (r == 0) return;
        double need = Math.Abs(r);
        int sign = Math.Sign(r);

        var room = new double[d];
        var weight = new double[d];
        var order = new int[d];
        int active = 0;
        double reachable = 0, totalWeight = 0;
        for (int i = 0; i < d; i++)
        {
            if (w[i] == 0) continue;
            bool up = sign * Math.Sign(w[i]) > 0;
            room[i] = up ? 1.0 - t[i] : t[i];
            weight[i] = Math.Abs((double)w[i]);
            reachable += weight[i] * room[i];
            totalWeight += weight[i];
            order[active++] = i;
        }

        double rho;
        if (reachable <= need)
        {
            rho = double.PositiveInfinity;
        }
        else
        {
            var keys = new double[active];
            for (int k = 0; k < active; k++) keys[k] = room[order[k]];
            Array.Sort(keys, order, 0, active);
            // Walk the breakpoints: below room_j every unsaturated coordinate moves by ρ.
            double saturated = 0, free = totalWeight;
            rho = double.PositiveInfinity;
            for (int k = 0; k < active; k++)
            {
                int i = order[k];
                if (saturated + free * room[i] >= need)
                {
                    rho = (need - saturated) / free;
                    break;
                }
                saturated += weight[i] * room[i];
                free -= weight[i];
            }
        }

        for (int i = 0; i < d; i++)
        {
            if (w[i] == 0) continue;
            int dir = sign * Math.Sign(w[i]);
            delta[i] = (float)(dir * Math.Min(rho, room[i]));
        }
    }
}
