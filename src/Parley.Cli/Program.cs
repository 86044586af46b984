Console.Error.WriteLine("parley: not implemented yet");
return 1;
